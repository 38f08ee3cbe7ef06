package dev.tether.testbed;

import io.fabric8.kubeapitest.cert.CertManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * kube-api-test's certificates as seen by its apiserver process, which passes
 * {@code --client-ca-file <getClientCertPath()>} and lets no flag override it. Returning a bundle of
 * kube-api-test's self-signed admin certificate plus the test bed's CA there makes the apiserver accept
 * both the admin and every client certificate the test bed issues. Used only to start the apiserver.
 */
final class ClientCaBundle extends CertManager {
  private final Path bundle;

  ClientCaBundle(String kubeApiTestDir, Path bundle) {
    super(kubeApiTestDir);
    this.bundle = bundle;
  }

  /** Writes the bundle of the admin certificate (itself its own CA) and {@code ca}'s certificate. */
  static ClientCaBundle write(CertManager certs, String kubeApiTestDir, CertificateAuthority ca, Path bundle) {
    try {
      String admin = Files.readString(Path.of(certs.getClientCertPath()));
      String ours = Files.readString(ca.files().certificate());
      Files.writeString(bundle, admin.strip() + "\n" + ours.strip() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ClientCaBundle(kubeApiTestDir, bundle);
  }

  @Override
  public String getClientCertPath() {
    return bundle.toString();
  }
}
