package dev.tether.operator.eviction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.testbed.CertificateAuthority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingCertificateTest {
  @TempDir
  Path dir;

  @Test
  void readsPkcs1AsHelmAndCertManagerWriteItAndPkcs8() throws Exception {
    CertificateAuthority.Issued issued = CertificateAuthority.create(dir)
        .issueServer(dir, "webhook", List.of("127.0.0.1"), List.of("localhost"));
    String pkcs1 = Files.readString(issued.key());
    assertThat(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    PrivateKey key = ServingCertificate.privateKey(pkcs1, "RSA");
    assertThat(key.getFormat()).isEqualTo("PKCS#8");

    String pkcs8 = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    assertThat(ServingCertificate.privateKey(pkcs8, "RSA").getEncoded()).isEqualTo(key.getEncoded());
    assertThat(ServingCertificate.keyManagers(Files.readString(issued.certificate()), pkcs8)).isNotNull();
    assertThat(ServingCertificate.keyManagers(Files.readString(issued.certificate()), pkcs1)).isNotNull();
  }

  @Test
  void otherInputGetsAClearError() {
    assertThatThrownBy(() -> ServingCertificate.privateKey("not a key", "RSA"))
        .isInstanceOf(IOException.class).hasMessage("tls.key holds no PEM key");
    assertThatThrownBy(() -> ServingCertificate.privateKey(
        "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----", "EC"))
        .isInstanceOf(IOException.class).hasMessageContaining("unsupported key type EC PRIVATE KEY");
    assertThatThrownBy(() -> ServingCertificate.keyManagers("", "")).isInstanceOf(IOException.class);
  }
}
