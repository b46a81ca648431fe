// Lambda FileSystemConfigs: an EFS access point mounted writable at a
// LocalMountPath (/mnt/...) in every execution environment of the function,
// the same files for every function that mounts it, kept across restarts.
//
// The access point is looked up in EFS (as lambda.amazonaws.com) when the
// configuration is set, and its host folder (services/efs/folders.h) kept in
// the function's entry beside its code; an environment starts only if that
// folder still exists (EFSMountFailureException otherwise, as AWS answers
// when the access point's directory cannot be mounted).
// Thread-safety: pure functions over values; resolve() calls EFS, so it is
// never called with the function store's mutex held.
#pragma once

#include "kit/environment.h"
#include "services/lambda/resources.h"

namespace nuage::services::lambda::file_systems {

// [{Arn, LocalMountPath}] → [{Arn, LocalMountPath, Folder}], or the error AWS
// gives for an access point that does not exist or belongs elsewhere.
Result<kit::Value> resolve(const kit::Environment& env, const Ref& ref, const kit::Value& configs);
// The configuration's view: [{Arn, LocalMountPath}].
kit::Value public_view(const kit::Value& resolved);
// Before an environment starts: each folder is there.
Status check_mountable(const kit::Value& resolved);

}  // namespace nuage::services::lambda::file_systems
