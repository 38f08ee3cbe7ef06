package dev.tether.store;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identifies one agent session: the namespace and name of its {@code AgentSession}. Both are Kubernetes
 * names (DNS-1123), so they never contain the '/' that separates etcd key segments.
 */
public record SessionKey(String namespace, String name) {
  private static final Pattern DNS_1123 = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  public SessionKey {
    requireName("namespace", namespace);
    requireName("name", name);
  }

  public static SessionKey of(String namespace, String name) {
    return new SessionKey(namespace, name);
  }

  static void requireName(String what, String value) {
    Objects.requireNonNull(value, what);
    if (!DNS_1123.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " is not a DNS-1123 name: '" + value + "'");
    }
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
