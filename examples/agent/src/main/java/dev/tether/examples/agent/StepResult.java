package dev.tether.examples.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The deterministic "work" of a step, so that a restored context can be checked step by step. */
public final class StepResult {
  private StepResult() {}

  /** Hex SHA-256 of {@code "<session>:<step>"}. */
  public static String of(String session, int step) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
          .digest((session + ":" + step).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
