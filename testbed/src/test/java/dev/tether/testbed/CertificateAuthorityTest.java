package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
  @Test
  void issuesClientCertificatesSignedByItsOwnCaCertificate(@TempDir Path dir) throws Exception {
    CertificateAuthority ca = CertificateAuthority.create(dir);

    CertificateAuthority.Issued issued = ca.issueClient(dir, "scheduler", "system:kube-scheduler", "group-a");

    X509Certificate caCert = read(ca.files().certificate());
    X509Certificate client = read(issued.certificate());
    client.verify(caCert.getPublicKey());
    client.checkValidity();
    assertThat(caCert.getBasicConstraints()).as("a CA").isGreaterThanOrEqualTo(0);
    assertThat(client.getBasicConstraints()).as("not a CA").isEqualTo(-1);
    assertThat(client.getSubjectX500Principal().getName()).contains("CN=system:kube-scheduler", "O=group-a");
    assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2"); // clientAuth
    assertThat(Files.readString(issued.key())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
  }

  private static X509Certificate read(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
