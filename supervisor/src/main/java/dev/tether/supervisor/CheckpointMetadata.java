package dev.tether.supervisor;

import com.sun.net.httpserver.HttpExchange;
import dev.tether.store.Manifest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
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
        // The JDK joins header lines whose names differ only in case: which value was meant is unclear.
        String key = header.getKey().substring(HEADER_PREFIX.length()).toLowerCase(Locale.ROOT);
        if (header.getValue().size() > 1) {
          throw twice(key);
        }
        metadata.put(key, header.getValue().get(0));
      }
    }
    String rawQuery = exchange.getRequestURI().getRawQuery();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        String name = URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8);
        if (name.startsWith(QUERY_PREFIX)) {
          String key = name.substring(QUERY_PREFIX.length()).toLowerCase(Locale.ROOT);
          if (metadata.putIfAbsent(key, URLDecoder.decode(pair.contains("=") ? pair.split("=", 2)[1] : "",
              StandardCharsets.UTF_8)) != null) {
            throw twice(key);
          }
        }
      }
    }
    // Values go back out as response headers on restore: a line break or other control character there
    // would make every later restore of this checkpoint fail, and a character beyond ISO-8859-1 (the header
    // encoding) would come back as another one, so they are refused now.
    metadata.forEach((key, value) -> {
      if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
        throw new IllegalArgumentException("metadata '" + key + "' contains a control character (line break?): "
            + "values must be printable text");
      }
      if (value.chars().anyMatch(c -> c >= 0x80 && c < 0xa0 || c > 0xff)) {
        throw new IllegalArgumentException("metadata '" + key + "' contains a character that a header cannot "
            + "carry back on restore: values must be printable ISO-8859-1 text");
      }
    });
    return Manifest.validMetadata(metadata);
  }

  private static IllegalArgumentException twice(String key) {
    return new IllegalArgumentException("metadata '" + key + "' is given more than once (as headers or query "
        + "parameters, in any case): give each key once");
  }

  static void toHeaders(HttpExchange exchange, Map<String, String> metadata) {
    metadata.forEach((key, value) -> exchange.getResponseHeaders().set(HEADER_PREFIX + key, value));
  }
}
