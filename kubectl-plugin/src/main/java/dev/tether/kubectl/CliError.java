package dev.tether.kubectl;

/** A failure the user can act on; its message is the whole error line. */
final class CliError extends RuntimeException {
  CliError(String message) {
    super(message);
  }
}
