package dev.tether.operator.validation;

import java.util.List;
import java.util.Optional;

/**
 * Directories a checkpoint mountPath must neither be, lie inside, nor contain: the volume would hide the
 * image's programs, libraries and JVM (an agent's code, or what an agent planted there on the volume, would
 * run instead), the kernel's file systems, or the ServiceAccount token the kubelet mounts.
 *
 * <p>/var/lib/tether itself is refused, but not what lies below it: the default mountPath
 * (/var/lib/tether/checkpoints) is there. The supervisor mounts the volume at its own fixed path in its own
 * container, so no mountPath reaches it.
 */
final class SystemPaths {
  private static final List<String> RESERVED = List.of("/app", "/opt", "/proc", "/sys", "/dev", "/etc", "/usr",
      "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/var/run/secrets", "/run/secrets");
  private static final String TETHER = "/var/lib/tether";

  private SystemPaths() {}

  /** The reserved directory a normalised absolute path would hide, if any. */
  static Optional<String> shadowed(String path) {
    for (String reserved : RESERVED) {
      if (path.equals(reserved) || path.startsWith(reserved + "/") || reserved.startsWith(path + "/")) {
        return Optional.of(reserved);
      }
    }
    return path.equals(TETHER) || TETHER.startsWith(path + "/") ? Optional.of(TETHER) : Optional.empty();
  }
}
