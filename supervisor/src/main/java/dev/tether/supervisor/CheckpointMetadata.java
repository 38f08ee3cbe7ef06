package dev.tether.supervisor;

import com.sun.net.httpserver.HttpExchange;
import dev.tether.store.Manifest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checkpoint metadata travels as {@code X-Tether-Meta-<key>: <value>} headers (or {@code ?meta.<key>=<value>}
 * query parameters). HTTP header names are case-insensitive, so keys are lower-cased.
 */
final class CheckpointMetadata {
  static final String HEADER_PREFIX = "X-Tether-Meta-";
  static final String QUERY_PREFIX = "meta.";

  private CheckpointMetadata() {}

  /** Throws IllegalArgumentException when the metadata breaks the manifest limits. */
  static Map<String, String> from(HttpExchange exchange) {
    Map<String, String> metadata = new TreeMap<>();
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      if (header.getKey().regionMatches(true, 0, HEADER_PREFIX, 0, HEADER_PREFIX.length())) {
        metadata.put(header.getKey().substring(HEADER_PREFIX.length()).toLowerCase(Locale.ROOT),
            String.join(",", header.getValue()));
      }
    }
    Http.query(exchange).forEach((key, value) -> {
      if (key.startsWith(QUERY_PREFIX)) {
        metadata.put(key.substring(QUERY_PREFIX.length()).toLowerCase(Locale.ROOT), value);
      }
    });
    // Values go back out as response headers on restore: a line break or other control character there
    // would make every later restore of this checkpoint fail, so it is refused now.
    metadata.forEach((key, value) -> {
      if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
        throw new IllegalArgumentException("metadata '" + key + "' contains a control character (line break?): "
            + "values must be printable text");
      }
    });
    return Manifest.validMetadata(metadata);
  }

  static void toHeaders(HttpExchange exchange, Map<String, String> metadata) {
    metadata.forEach((key, value) -> exchange.getResponseHeaders().set(HEADER_PREFIX + key, value));
  }
}
