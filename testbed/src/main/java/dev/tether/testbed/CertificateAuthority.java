package dev.tether.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority that issues client certificates for the test bed's users
 * (controller-manager, scheduler, an operator identity). kube-api-test's own admin certificate is
 * self-signed and cannot sign others (it is no CA), so the apiserver trusts this CA in addition.
 * BouncyCastle comes with kube-api-test, which generates its certificates the same way.
 */
public final class CertificateAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration VALIDITY = Duration.ofDays(365);

  /** PEM files of an issued certificate and its private key. */
  public record Issued(Path certificate, Path key) {}

  private final KeyPair keyPair;
  private final X509Certificate certificate;
  private final Issued files;

  private CertificateAuthority(KeyPair keyPair, X509Certificate certificate, Issued files) {
    this.keyPair = keyPair;
    this.certificate = certificate;
    this.files = files;
  }

  /** A new CA, written to {@code dir/ca.crt} and {@code dir/ca.key}. */
  public static CertificateAuthority create(Path dir) {
    KeyPair keyPair = newKeyPair();
    X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "tether-testbed-ca").build();
    X509v3CertificateBuilder builder = builder(name, name, keyPair);
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    X509Certificate certificate = sign(builder, keyPair);
    Issued files = write(dir, "ca", certificate, keyPair);
    return new CertificateAuthority(keyPair, certificate, files);
  }

  /** The CA's certificate and key, e.g. for the controller-manager's cluster signing. */
  public Issued files() {
    return files;
  }

  /**
   * Issues a client certificate; Kubernetes takes the user name from the CN and the groups from the
   * O entries. Written to {@code dir/<fileName>.crt} and {@code .key}.
   */
  Issued issueClient(Path dir, String fileName, String commonName, String... organizations) {
    KeyPair keyPair = newKeyPair();
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
    for (String organization : organizations) {
      subject.addRDN(BCStyle.O, organization);
    }
    subject.addRDN(BCStyle.CN, commonName);
    X509v3CertificateBuilder builder =
        builder(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), subject.build(), keyPair);
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return write(dir, fileName, sign(builder, this.keyPair), keyPair);
  }

  /**
   * Issues a serving certificate for {@code ipAddresses} and {@code dnsNames}, e.g. an apiserver that
   * pods reach through the {@code kubernetes} Service IP as well as the host through loopback.
   */
  public Issued issueServer(Path dir, String fileName, List<String> ipAddresses, List<String> dnsNames) {
    KeyPair keyPair = newKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, fileName).build();
    X509v3CertificateBuilder builder =
        builder(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), subject, keyPair);
    List<GeneralName> names = new ArrayList<>();
    ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
    dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return write(dir, fileName, sign(builder, this.keyPair), keyPair);
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keyPair) {
    Instant now = Instant.now();
    // Back-dated a little: the apiserver rejects certificates that are not yet valid.
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(63, RANDOM),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keyPair.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) {
    try {
      var signerContent = new JcaContentSignerBuilder("SHA256WithRSA").build(signer.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(builder.build(signerContent));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a test-bed certificate", e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Issued write(Path dir, String fileName, X509Certificate certificate, KeyPair keyPair) {
    Issued issued = new Issued(dir.resolve(fileName + ".crt"), dir.resolve(fileName + ".key"));
    writePem(issued.certificate(), certificate);
    writePem(issued.key(), keyPair.getPrivate());
    return issued;
  }

  private static void writePem(Path file, Object object) {
    try (Writer writer = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(writer)) {
      pem.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
