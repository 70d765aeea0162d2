package ecs

// eventCategorization is the params table of the pipeline's
// script_add_ecs_categorization (docs/cloudtrail-ecs-mapping.md §8): event.category and event.type for the
// listed event names. Other names get no category and type ["info"].
var eventCategorization = func() map[string][2][]string {
	m := map[string][2][]string{}
	add := func(category, typ []string, names ...string) {
		for _, n := range names {
			m[n] = [2][]string{category, typ}
		}
	}
	iam := []string{"iam"}
	add(iam, []string{"user", "change"}, "AttachUserPolicy", "ChangePassword", "CreateAccessKey",
		"CreateVirtualMFADevice", "DeactivateMFADevice", "DeleteAccessKey", "DeleteSSHPublicKey",
		"DeleteUserPermissionsBoundary", "DeleteUserPolicy", "DeleteVirtualMFADevice", "DetachUserPolicy",
		"EnableMFADevice", "PutUserPermissionsBoundary", "PutUserPolicy", "TagUser", "UntagUser",
		"UpdateAccessKey", "UpdateLoginProfile", "UpdateSSHPublicKey", "UpdateUser")
	add(iam, []string{"user", "creation"}, "CreateUser")
	add(iam, []string{"user", "deletion"}, "DeleteUser")
	add(iam, []string{"user", "info"}, "GetUser", "GetUserPolicy", "ListAttachedUserPolicies",
		"ListGroupsForUser", "ListUserPolicies", "ListUsers", "ListUserTags")
	add(iam, []string{"group", "change"}, "AddUserToGroup", "AttachGroupPolicy", "DeleteGroupPolicy",
		"DetachGroupPolicy", "PutGroupPolicy", "RemoveUserFromGroup", "UpdateGroup")
	add(iam, []string{"group", "creation"}, "CreateGroup")
	add(iam, []string{"group", "deletion"}, "DeleteGroup")
	add(iam, []string{"group", "info"}, "GetGroup", "GetGroupPolicy", "ListAttachedGroupPolicies",
		"ListGroupPolicies", "ListGroups")
	add(iam, []string{"admin", "creation"}, "CreateKeyPair")
	add(iam, []string{"admin", "change"}, "SetDefaultPolicyVersion", "SetSecurityTokenServicePreferences",
		"UpdateAccountPasswordPolicy", "UpdateRole")
	add(iam, []string{"info"}, "ListRoles", "GetPolicy", "ListAttachedRolePolicies")
	add(iam, []string{"creation"}, "CreatePolicy")
	add(iam, []string{"change"}, "AttachRolePolicy")
	add([]string{"authentication"}, []string{"info"}, "AssumeRole", "ConsoleLogin", "GetCallerIdentity")
	add([]string{"host"}, []string{"info"}, "DescribeInstances", "DescribeVolumes", "ListInstanceAssociations")
	add([]string{"network"}, []string{"info"}, "DescribeSecurityGroups", "DescribeNetworkInterfaces",
		"DescribeVpcs", "DescribeNetworkAcls", "DescribeLoadBalancers")
	add([]string{"network"}, []string{"access"}, "AuthorizeSecurityGroupIngress")
	add([]string{"api"}, []string{"info"}, "DescribeRegions", "Publish", "Converse")
	file := []string{"file"}
	add(file, []string{"creation"}, "CreateBucket", "CreateDocument")
	add(file, []string{"deletion"}, "DeleteBucket", "DeleteObject")
	add(file, []string{"info"}, "ListBuckets", "ListObjects", "HeadObject", "GetObject")
	add(file, []string{"change"}, "PutObject")
	conf := []string{"configuration"}
	add(conf, []string{"info"}, "DescribeTrails")
	add(conf, []string{"creation"}, "CreateTopic")
	add(conf, []string{"change"}, "Subscribe")
	add(conf, []string{"deletion"}, "DeleteTrail")
	add([]string{"package"}, []string{"info"}, "ListFunctions")
	add([]string{"database"}, []string{"info"}, "ListTables", "DescribeDBInstances")
	add([]string{"process"}, []string{"start"}, "SendCommand")
	add([]string{"session"}, []string{"start"}, "StartSession", "CreateControlChannel",
		"OpenControlChannel", "CreateDataChannel", "OpenDataChannel")
	add([]string{"session"}, []string{"end"}, "TerminateSession")
	return m
}()
