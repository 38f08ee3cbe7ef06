package dev.tether.install;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A Markdown file of the repository: its tables, headings (as GitHub anchors) and links. */
final class MarkdownDoc {
  /** Where links into the repository point: files on its default branch. */
  static final String REPO_URL = "https://github.com/tether-dev/tether";
  private static final String BLOB = REPO_URL + "/blob/main/";
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

  private final Path file;
  private final List<String> lines;

  private MarkdownDoc(Path file, List<String> lines) {
    this.file = file;
    this.lines = lines;
  }

  static MarkdownDoc of(Path file) {
    try {
      return new MarkdownDoc(file, Files.readAllLines(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One table row: its cells, trimmed, and its line number. */
  record Row(int line, List<String> cells) {}

  /** The rows (without header and separator) of the first table after the heading with this text. */
  List<Row> tableAfter(String heading) {
    int start = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).matches("#+ " + Pattern.quote(heading))) {
        start = i;
        break;
      }
    }
    if (start < 0) {
      throw new IllegalStateException(file + " has no heading '" + heading + "'");
    }
    int i = start + 1;
    while (i < lines.size() && !lines.get(i).startsWith("|")) {
      i++;
    }
    List<Row> rows = new ArrayList<>();
    for (int header = i; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      if (i > header + 1) {
        rows.add(new Row(i + 1, cells(lines.get(i))));
      }
    }
    return rows;
  }

  private static List<String> cells(String line) {
    String inner = line.strip();
    inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
    List<String> cells = new ArrayList<>();
    for (String cell : inner.split("\\|", -1)) {
      cells.add(cell.strip());
    }
    return cells;
  }

  /** The anchors GitHub gives the headings (outside code blocks). */
  Set<String> anchors() {
    Set<String> anchors = new TreeSet<>();
    boolean code = false;
    for (String line : lines) {
      if (line.startsWith("```")) {
        code = !code;
      } else if (!code && line.matches("#+ .*")) {
        anchors.add(line.replaceFirst("^#+ ", "").strip().toLowerCase(Locale.ROOT)
            .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
      }
    }
    return anchors;
  }

  /** Every link target, {@code [text](target)}. */
  List<String> links() {
    String text = String.join("\n", lines);
    Matcher link = LINK.matcher(text);
    List<String> targets = new ArrayList<>();
    while (link.find()) {
      targets.add(link.group(1));
    }
    return targets;
  }

  /**
   * What is wrong with a link to a file of the repository on GitHub ({@code REPO_URL/blob/main/path#anchor}):
   * the file or the heading does not exist here. Other links are not checked.
   */
  static Optional<String> brokenRepoLink(Path repoRoot, String url) {
    if (!url.startsWith(BLOB)) {
      return Optional.empty();
    }
    String rest = url.substring(BLOB.length());
    String path = rest.contains("#") ? rest.substring(0, rest.indexOf('#')) : rest;
    Path target = repoRoot.resolve(path);
    if (!Files.exists(target)) {
      return Optional.of(url + ": no " + path + " in the repository");
    }
    if (rest.contains("#")) {
      String anchor = rest.substring(rest.indexOf('#') + 1);
      Set<String> anchors = of(target).anchors();
      if (!anchors.contains(anchor)) {
        return Optional.of(url + ": " + path + " has no heading #" + anchor + " (it has "
            + anchors.stream().collect(Collectors.joining(", ")) + ")");
      }
    }
    return Optional.empty();
  }
}
