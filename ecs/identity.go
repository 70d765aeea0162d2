package ecs

import "strings"

// sessionName is the pipeline's grok
// '^arn:[a-z0-9-]+:sts:.*/%{GREEDYDATA:_tmp.session_name}$'
// (extract_session_name_from_arn), i.e. the regex
// `^arn:[a-z0-9-]+:sts:.*/(.*)$` (sessionNameRE, which the tests compare it
// with): the text after the last '/', in an ARN whose partition is
// [a-z0-9-]+ and whose service is sts. '.' does not match a newline, so an
// ARN with one after the partition does not match. Written out, as it runs
// for most records an assumed role makes (a regex was a sixth of mapping
// one).
func sessionName(arn string) (string, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return "", false
	}
	i := strings.IndexByte(rest, ':')
	if i <= 0 {
		return "", false
	}
	for _, c := range []byte(rest[:i]) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return "", false
		}
	}
	rest, ok = strings.CutPrefix(rest[i:], ":sts:")
	if !ok || strings.IndexByte(rest, '\n') >= 0 {
		return "", false
	}
	slash := strings.LastIndexByte(rest, '/')
	if slash < 0 {
		return "", false
	}
	return rest[slash+1:], true
}

// identity maps userIdentity (docs/cloudtrail-ecs-mapping.md §3, §5), in the order of the pipeline's
// processors.
func (b *builder) identity() {
	ui := object(b.root, "userIdentity")
	if ui == nil {
		return
	}
	b.idType, _ = b.copyStr("aws.cloudtrail.user_identity.type", ui, "type")

	// Service-actor test (script_aws_service_actor, aws 8.9.0): AWSService
	// identities and service-linked roles are services, not users.
	invokedBy, _ := b.str(ui, "invokedBy")
	switch b.idType {
	case "AWSService":
		b.service = invokedBy
	case "AssumedRole":
		issuerARN, _ := b.str(ui, "sessionContext", "sessionIssuer", "arn")
		const marker = ":role/aws-service-role/"
		if i := strings.Index(issuerARN, marker); i >= 0 {
			rest := issuerARN[i+len(marker):]
			if invokedBy != "" {
				b.service = invokedBy
			} else if slash := strings.IndexByte(rest, '/'); slash > 0 {
				b.service = rest[:slash]
			}
		}
	}
	b.set("service.name", b.service)
	if b.service == "" {
		b.userName, _ = b.str(ui, "userName")
		b.userID, _ = b.str(ui, "principalId")
	}
	arn, _ := b.copyStr("aws.cloudtrail.user_identity.arn", ui, "arn")
	b.copyStr("cloud.account.id", ui, "accountId")
	b.optStr("aws.cloudtrail.user_identity.access_key_id", ui, "accessKeyId")
	sc := object(ui, "sessionContext")
	b.optStr("aws.cloudtrail.user_identity.session_context.mfa_authenticated", sc, "attributes", "mfaAuthenticated")
	if s, ok := b.str(sc, "attributes", "creationDate"); ok {
		if t, ok := parseCreationDate(s); ok {
			b.ev["aws.cloudtrail.user_identity.session_context.creation_date"] = t
		} else {
			b.failed = true
		}
	}
	b.optStr("aws.cloudtrail.user_identity.session_context.session_issuer.type", sc, "sessionIssuer", "type")
	if (b.idType == "AssumedRole" || b.idType == "FederatedUser") && b.service == "" {
		// rename with override: the issuer's userName (the role name) wins.
		if s, ok := b.str(sc, "sessionIssuer", "userName"); ok {
			b.userName = s
		}
	}
	b.optStr("aws.cloudtrail.user_identity.session_context.session_issuer.principal_id", sc, "sessionIssuer", "principalId")

	// Session name -> related.user (+ e-mail handling), docs/cloudtrail-ecs-mapping.md §5 step 4.
	if (b.idType == "AssumedRole" || b.idType == "FederatedUser" || b.idType == "IdentityCenterUser") &&
		strings.Contains(arn, ":sts:") && strings.Contains(arn, "/") {
		if session, ok := sessionName(arn); ok {
			b.addRelatedUser(session)
			if at := strings.IndexByte(session, '@'); at >= 0 {
				b.addRelatedUser(session[:at])
				b.set("user.email", session)
				b.hasEmail = session != ""
			}
		} else {
			b.failed = true // grok failure appends error.message
		}
	}
	onBehalfUser, _ := b.copyStr("aws.cloudtrail.user_identity.on_behalf_of.user_id", ui, "onBehalfOf", "userId")
	b.optStr("aws.cloudtrail.user_identity.on_behalf_of.identity_store_arn", ui, "onBehalfOf", "identityStoreArn")
	if b.idType == "IdentityCenterUser" && b.userID == "" {
		b.userID = onBehalfUser
	}
	b.optStr("aws.cloudtrail.user_identity.session_context.session_issuer.arn", sc, "sessionIssuer", "arn")
	b.optStr("aws.cloudtrail.user_identity.session_context.session_issuer.account_id", sc, "sessionIssuer", "accountId")
	b.optStr("aws.cloudtrail.user_identity.invoked_by", ui, "invokedBy")
	b.optStr("aws.cloudtrail.user_identity.invoked_by_delegate.account_id", ui, "invokedByDelegate", "accountId")
	b.optStr("aws.cloudtrail.user_identity.credential_id", ui, "credentialId")
	b.optStr("aws.cloudtrail.user_identity.identity_provider", ui, "identityProvider")
	b.optStr("aws.cloudtrail.user_identity.in_scope_of.issuer_type", ui, "inScopeOf", "issuerType")
	b.optStr("aws.cloudtrail.user_identity.in_scope_of.credentials_issued_to", ui, "inScopeOf", "credentialsIssuedTo")
	b.optStr("aws.cloudtrail.user_identity.in_scope_of.source_arn", ui, "inScopeOf", "sourceArn")
	b.optStr("aws.cloudtrail.user_identity.in_scope_of.source_account", ui, "inScopeOf", "sourceAccount")
	b.optStr("aws.cloudtrail.user_identity.session_context.ec2_role_delivery", sc, "ec2RoleDelivery")
	b.optStr("aws.cloudtrail.user_identity.session_context.source_identity", sc, "sourceIdentity")
	b.optStr("aws.cloudtrail.user_identity.session_context.web_id_federation_data.federated_provider", sc, "webIdFederationData", "federatedProvider")
	if v := path(sc, "webIdFederationData", "attributes"); v != nil {
		b.ev["aws.cloudtrail.user_identity.session_context.web_id_federation_data.attributes"] = toGo(v)
	}
	b.optStr("aws.cloudtrail.user_identity.session_context.assumed_root", sc, "assumedRoot")
	b.optStr("aws.cloudtrail.user_identity.session_context.sign_in_session_arn", sc, "signInSessionArn")

	b.set("user.name", b.userName)
	b.set("user.id", b.userID)
}
