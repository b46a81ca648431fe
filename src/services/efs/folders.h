// Where an EFS file system's files live on the host: one folder per file
// system under nuage's work folder, `<work>/efs/<fs-id>`, and an access
// point's root directory inside it. EFS creates and deletes them; Lambda
// mounts them into the sandboxes of functions with FileSystemConfigs; the
// admin route shows them so a user can put files in.
// Thread-safety: pure functions.
#pragma once

#include <filesystem>
#include <string>

namespace nuage::services::efs {

inline std::filesystem::path file_system_folder(const std::filesystem::path& work_dir, const std::string& fs_id) {
  return work_dir / "efs" / fs_id;
}

// `root_path` is an access point's RootDirectory.Path ("/" or "/a/b"): the
// model's pattern admits no segment that starts with a dot, so it stays
// inside the file system's folder.
inline std::filesystem::path access_point_folder(const std::filesystem::path& work_dir, const std::string& fs_id,
                                                 const std::string& root_path) {
  std::filesystem::path folder = file_system_folder(work_dir, fs_id);
  std::string relative = root_path;
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  return relative.empty() ? folder : folder / relative;
}

}  // namespace nuage::services::efs
