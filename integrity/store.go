package integrity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Object is one file of a trail as stored.
type Object struct {
	// Name is what findings call it: s3://bucket/key or a local path.
	Name string
	// Key is its S3 key from AWSLogs/ on (trailKey).
	Key string
	// Read returns its content as stored and its S3 user metadata (nil
	// when the copy has none: a local file without a sidecar).
	Read func(ctx context.Context) (data []byte, meta map[string]string, err error)
}

// Store lists a trail's objects.
type Store interface {
	List(ctx context.Context) ([]Object, error)
}

// maxObjectSize bounds one stored object read for validation.
const maxObjectSize = 1 << 30

// DirStore is a local copy of a trail: a directory holding an AWSLogs/
// tree (or a tree below it). A digest's S3 metadata, which copies lose, may
// sit beside it as <digest>.metadata.json.
type DirStore struct{ Root string }

// List walks the directory for *.json.gz files in CloudTrail's layout.
func (d DirStore) List(ctx context.Context) ([]Object, error) {
	var out []Object
	err := filepath.WalkDir(d.Root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !strings.HasSuffix(p, ".json.gz") {
			return nil
		}
		key, ok := trailKey(filepath.ToSlash(p))
		if !ok {
			return nil
		}
		out = append(out, Object{Name: p, Key: key, Read: func(context.Context) ([]byte, map[string]string, error) {
			return readLocal(p)
		}})
		return nil
	})
	return out, err
}

func readLocal(p string) ([]byte, map[string]string, error) {
	data, err := readLimited(p)
	if err != nil {
		return nil, nil, err
	}
	side, err := os.ReadFile(p + ".metadata.json")
	if errors.Is(err, fs.ErrNotExist) {
		return data, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var meta map[string]string
	if err := json.Unmarshal(side, &meta); err != nil {
		return nil, nil, fmt.Errorf("%s.metadata.json: %w", p, err)
	}
	return data, meta, nil
}

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxObjectSize+1))
	if err == nil && len(data) > maxObjectSize {
		err = fmt.Errorf("%s: larger than %d bytes", p, maxObjectSize)
	}
	return data, err
}

// S3Store is a trail in its bucket: the objects below Prefix.
type S3Store struct {
	Client         *s3.Client
	Bucket, Prefix string
}

// List lists the bucket's *.json.gz objects in CloudTrail's layout.
func (s S3Store) List(ctx context.Context) ([]Object, error) {
	var out []Object
	p := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String(s.Prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3://%s/%s: %w", s.Bucket, s.Prefix, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			key, ok := trailKey(k)
			if !ok || !strings.HasSuffix(k, ".json.gz") {
				continue
			}
			out = append(out, Object{Name: "s3://" + s.Bucket + "/" + k, Key: key, Read: func(ctx context.Context) ([]byte, map[string]string, error) {
				res, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)})
				if err != nil {
					return nil, nil, err
				}
				defer res.Body.Close()
				data, err := io.ReadAll(io.LimitReader(res.Body, maxObjectSize+1))
				if err == nil && len(data) > maxObjectSize {
					err = fmt.Errorf("larger than %d bytes", maxObjectSize)
				}
				meta := res.Metadata
				if meta == nil {
					meta = map[string]string{}
				}
				return data, meta, err
			}})
		}
	}
	return out, nil
}
