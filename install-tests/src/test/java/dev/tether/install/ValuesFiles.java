package dev.tether.install;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The example values files under src/test/resources (values-*.yaml). */
final class ValuesFiles {
  static final String PRODUCTION = "values-production.yaml";
  static final String QUICKSTART = "values-quickstart.yaml";

  private ValuesFiles() {}

  static String path(String name) {
    URL url = ValuesFiles.class.getResource("/" + name);
    if (url == null) {
      throw new IllegalArgumentException("no test resource " + name);
    }
    try {
      return Path.of(url.toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every values-*.yaml, so that a new example is linted without touching the tests. */
  static List<String> all() throws Exception {
    Path dir = Path.of(ValuesFiles.class.getResource("/" + PRODUCTION).toURI()).getParent();
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("values-") && n.endsWith(".yaml"))
          .sorted()
          .toList();
    }
  }
}
