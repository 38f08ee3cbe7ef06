package dev.tether.install;

import java.util.List;

/** What a helm command printed and how it exited. */
public record HelmResult(List<String> command, int exitCode, String stdout, String stderr) {

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** The standard output, or an exception carrying the command and its error output. */
  public String orThrow() {
    if (!succeeded()) {
      throw new IllegalStateException("`" + String.join(" ", command) + "` exited with " + exitCode + ":\n"
          + stderr + stdout);
    }
    return stdout;
  }
}
