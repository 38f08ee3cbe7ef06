package dev.tether.testbed;

import java.nio.file.Path;

/** Kubeconfig text for one user with a client certificate, for Fabric8 clients and Kubernetes binaries. */
final class Kubeconfig {
  private Kubeconfig() {}

  static String yaml(String server, Path certificateAuthority, CertificateAuthority.Issued client, String user) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
          - name: tether-testbed
            cluster:
              server: %s
              certificate-authority: %s
        users:
          - name: %s
            user:
              client-certificate: %s
              client-key: %s
        contexts:
          - name: %s
            context:
              cluster: tether-testbed
              user: %s
              namespace: default
        current-context: %s
        """.formatted(server, certificateAuthority, quote(user), client.certificate(), client.key(),
        quote(user), quote(user), quote(user));
  }

  /** User names such as system:kube-scheduler contain a colon: quote them for YAML. */
  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
