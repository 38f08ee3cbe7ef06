package dev.tether.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chart's values.yaml as documented values, helm-docs style: a {@code # --} comment right above a key is
 * its description, continued by the {@code #} lines that follow it. Each documented value is a path such as
 * {@code sessionLimits.detectionTimeout.min}: a map is one value when it is empty or its key has a
 * {@code # --} comment (such as {@code resources}), otherwise each of its keys is; a list is always one value.
 */
final class ChartValues {
  private static final YAMLMapper YAML = new YAMLMapper();
  /** A block mapping key at the start of a line; flow maps and list items are part of their key's value. */
  private static final Pattern KEY = Pattern.compile("^( *)([A-Za-z0-9_.-]+):(?: |$)");

  private final JsonNode tree;
  private final Map<String, String> descriptions;
  private final Map<String, JsonNode> values;

  private ChartValues(JsonNode tree, Map<String, String> descriptions) {
    this.tree = tree;
    this.descriptions = descriptions;
    this.values = new LinkedHashMap<>();
    flatten("", tree);
  }

  static ChartValues of(TetherChart chart) {
    Path file = chart.dir().resolve("values.yaml");
    try {
      String text = Files.readString(file);
      return new ChartValues(YAML.readTree(text), descriptions(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every documented value with its default, in the order of values.yaml. */
  Map<String, JsonNode> values() {
    return values;
  }

  /** The {@code # --} comment of each key that has one, by path (a path may name a map). */
  Map<String, String> descriptions() {
    return descriptions;
  }

  /** The default at a path, or a missing node. */
  JsonNode at(String path) {
    JsonNode node = tree;
    for (String key : path.split("\\.")) {
      node = node.path(key);
    }
    return node;
  }

  private void flatten(String prefix, JsonNode node) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String path = prefix + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject() && !value.isEmpty() && !descriptions.containsKey(path)) {
        flatten(path + ".", value);
      } else {
        values.put(path, value);
      }
    }
  }

  private static Map<String, String> descriptions(String yaml) {
    Map<String, String> found = new LinkedHashMap<>();
    Deque<Map.Entry<Integer, String>> parents = new ArrayDeque<>();
    StringBuilder pending = null;
    for (String line : yaml.split("\n", -1)) {
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        pending = null;
      } else if (trimmed.startsWith("# --")) {
        pending = new StringBuilder(trimmed.substring(4).strip());
      } else if (trimmed.startsWith("#")) {
        if (pending != null) {
          pending.append(' ').append(trimmed.substring(1).strip());
        }
      } else {
        Matcher key = KEY.matcher(line);
        if (!key.find()) {
          pending = null;
          continue;
        }
        int indent = key.group(1).length();
        while (!parents.isEmpty() && parents.peek().getKey() >= indent) {
          parents.pop();
        }
        StringBuilder path = new StringBuilder();
        for (Iterator<Map.Entry<Integer, String>> it = parents.descendingIterator(); it.hasNext(); ) {
          path.append(it.next().getValue()).append('.');
        }
        path.append(key.group(2));
        if (pending != null) {
          found.put(path.toString(), pending.toString().strip());
          pending = null;
        }
        parents.push(Map.entry(indent, key.group(2)));
      }
    }
    return found;
  }

  /** A README table row for a value: key, default as JSON, description. */
  String row(String path) {
    return "| `" + path + "` | `" + values.get(path) + "` | " + descriptions.getOrDefault(path, "") + " |";
  }

  List<String> rows() {
    return values.keySet().stream().map(this::row).toList();
  }
}
