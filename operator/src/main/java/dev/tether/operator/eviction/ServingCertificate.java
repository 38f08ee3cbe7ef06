package dev.tether.operator.eviction;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;

/**
 * The webhook's serving certificate from the PEM files of a {@code kubernetes.io/tls} Secret ({@code tls.crt},
 * {@code tls.key}). Keys come as PKCS#8 ({@code PRIVATE KEY}) or, as Helm's {@code genSignedCert} and
 * cert-manager write them by default, PKCS#1 ({@code RSA PRIVATE KEY}), which the JDK reads once wrapped in PKCS#8.
 */
public final class ServingCertificate {
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
  /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private ServingCertificate() {}

  public static KeyManagerFactory fromDirectory(Path dir) throws IOException {
    return keyManagers(Files.readString(dir.resolve("tls.crt")), Files.readString(dir.resolve("tls.key")));
  }

  public static KeyManagerFactory keyManagers(String certificatePem, String keyPem) throws IOException {
    try {
      Certificate[] chain = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)))
          .toArray(Certificate[]::new);
      if (chain.length == 0) {
        throw new IOException("tls.crt holds no certificate");
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry("webhook", privateKey(keyPem, chain[0].getPublicKey().getAlgorithm()), password, chain);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      return keys;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use the webhook's certificate and key: " + e.getMessage(), e);
    }
  }

  static PrivateKey privateKey(String pem, String algorithm) throws IOException, GeneralSecurityException {
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      throw new IOException("tls.key holds no PEM key");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
    return switch (m.group(1)) {
      case "PRIVATE KEY" -> KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8(der)));
      default -> throw new IOException("tls.key: unsupported key type " + m.group(1)
          + " (use PKCS#8 or an RSA key in PKCS#1)");
    };
  }

  /** PrivateKeyInfo ::= SEQUENCE { version INTEGER 0, algorithm, privateKey OCTET STRING }. */
  private static byte[] pkcs8(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM);
    body.write(0x04);
    body.writeBytes(length(pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream info = new ByteArrayOutputStream();
    info.write(0x30);
    info.writeBytes(length(body.size()));
    info.writeBytes(body.toByteArray());
    return info.toByteArray();
  }

  private static byte[] length(int length) {
    if (length < 0x80) {
      return new byte[] {(byte) length};
    }
    int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
    byte[] out = new byte[bytes + 1];
    out[0] = (byte) (0x80 | bytes);
    for (int i = bytes; i > 0; i--) {
      out[i] = (byte) length;
      length >>>= 8;
    }
    return out;
  }
}
