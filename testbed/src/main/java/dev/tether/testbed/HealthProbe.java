package dev.tether.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** GETs a health endpoint (/readyz, /healthz) of a control-plane process on loopback. */
final class HealthProbe {
  private final HttpClient http;

  private HealthProbe(SSLContext ssl) {
    this.http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(1)).build();
  }

  /** Verifies the server against a PEM certificate (the apiserver's self-signed serving certificate). */
  static HealthProbe trusting(Path certificatePem) {
    try (InputStream in = Files.newInputStream(certificatePem)) {
      var certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("server", certificate);
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, factory.getTrustManagers(), null);
      return new HealthProbe(ssl);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * For the controller-manager and scheduler, which serve a self-signed certificate made up in memory
   * at start: there is nothing to verify against. Only ever used for loopback ports of processes the
   * test bed started itself.
   */
  static HealthProbe trustingOwnLoopbackProcess() {
    X509TrustManager any = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, new TrustManager[] {any}, null);
      return new HealthProbe(ssl);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True if {@code https://127.0.0.1:<port><path>} answers 200 now. */
  boolean ok(int port, String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(2)).build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
