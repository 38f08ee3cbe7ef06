package dev.tether.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run found, as Markdown: one section per benchmark with a table and notes. Printed as each section
 * completes (a long run shows progress) and written whole to {@code results.md} at the end.
 */
final class Report {
  private final StringBuilder markdown = new StringBuilder();

  void heading(String text) {
    append("\n## " + text + "\n\n");
    // Written when the benchmark finished: shows whether other work competed for the cores meanwhile.
    append("Load average (1/5/15 min) at the end: " + Machine.loadAverage() + ".\n\n");
  }

  void line(String text) {
    append(text + "\n");
  }

  void table(List<String> header, List<List<String>> rows) {
    StringBuilder table = new StringBuilder();
    table.append("| ").append(String.join(" | ", header)).append(" |\n");
    table.append("|").append("---|".repeat(header.size())).append("\n");
    for (List<String> row : rows) {
      table.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    append(table + "\n");
  }

  static List<List<String>> rows() {
    return new ArrayList<>();
  }

  private synchronized void append(String text) {
    markdown.append(text);
    System.out.print(text);
    System.out.flush();
  }

  synchronized void writeTo(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, markdown);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
