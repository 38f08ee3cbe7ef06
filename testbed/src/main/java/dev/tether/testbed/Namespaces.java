package dev.tether.testbed;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Locale;

/**
 * Fresh namespaces for tests on a shared control plane. Nothing here deletes or waits for deletion:
 * without a controller-manager a deleted namespace stays Terminating for ever.
 */
public final class Namespaces {
  private static final int MAX_PREFIX = 40;

  private Namespaces() {}

  /** Creates a namespace named {@code <prefix>-<random suffix>} and returns its name. */
  public static String create(KubernetesClient client, String prefix) {
    var namespace = new NamespaceBuilder().withNewMetadata().withGenerateName(label(prefix) + "-").endMetadata().build();
    return client.namespaces().resource(namespace).create().getMetadata().getName();
  }

  /** {@code prefix} as the start of a DNS-1123 label, e.g. a test class name. */
  static String label(String prefix) {
    String label = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+", "");
    if (label.length() > MAX_PREFIX) {
      label = label.substring(0, MAX_PREFIX);
    }
    label = label.replaceAll("-+$", "");
    return label.isEmpty() ? "test" : label;
  }
}
