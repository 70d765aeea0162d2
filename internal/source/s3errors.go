package source

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// s3Error is an S3 failure told in a sentence; the SDK's error, with its
// request ids, stays underneath for errors.As.
type s3Error struct {
	msg string
	err error
}

func (e *s3Error) Error() string { return e.msg }
func (e *s3Error) Unwrap() error { return e.err }

// describeS3 says what an S3 error means for someone running trailql, who
// sees "operation error S3: ListObjectsV2, https response error StatusCode:
// 404, RequestID: ..., HostID: ..., NoSuchBucket: ..." otherwise: the
// failures a wrong name, a missing permission (need, the IAM action the
// request needed), another region or refused credentials cause, with
// S3's own code and message kept for a search. Other errors are as they are.
func describeS3(err error, need string) string {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err.Error()
	}
	code, msg := ae.ErrorCode(), ae.ErrorMessage()
	s3says := code
	if msg != "" {
		s3says += ": " + msg
	}
	switch code {
	case "NoSuchBucket":
		return "no such bucket (" + s3says + ")"
	case "NoSuchKey":
		return "the object is gone (" + s3says + ")"
	case "AccessDenied", "AllAccessDisabled", "Forbidden":
		return fmt.Sprintf("access denied: the AWS credentials need %s on it (%s)", need, s3says)
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return "the bucket is in another region: give its region with --region (" + s3says + ")"
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
		return "the AWS credentials were refused (" + s3says + ")"
	}
	return s3says
}
