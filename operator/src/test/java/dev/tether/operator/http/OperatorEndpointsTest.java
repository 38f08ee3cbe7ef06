package dev.tether.operator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clients that send part of a request line and stall, more of them than the server has threads, keep
 * {@code /healthz} from answering for seconds at most, not for good.
 */
class OperatorEndpointsTest {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorEndpointsTest.class);
  private static final int STALLED = 8;
  /** Well above the request limit plus the JDK's one-second check, so a loaded machine does not fail it. */
  private static final Duration WITHIN = Duration.ofSeconds(15);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void healthzAnswersAgainWithinSecondsOfClientsStallingMidRequest() throws Exception {
    try (OperatorEndpoints endpoints = OperatorEndpoints.start(0, () -> "", () -> true, () -> true);
         Stalled stalled = Stalled.open(endpoints.port(), STALLED)) {
      long start = System.nanoTime();
      // A probe sent while every thread is taken waits for the stalled connections to be cut off, and is cut
      // off with them if it waited as long; the kubelet probes again, and so does this loop, each try bounded.
      await().atMost(WITHIN).pollDelay(Duration.ZERO).ignoreExceptions()
          .until(() -> get(endpoints.port(), "/healthz").statusCode() == 200);
      LOG.info("/healthz answered 200 {} ms after {} connections stalled", millisSince(start), STALLED);
    }
  }

  @Test
  void theServerClosesConnectionsThatStallMidRequest() throws Exception {
    try (OperatorEndpoints endpoints = OperatorEndpoints.start(0, () -> "", () -> true, () -> true);
         Stalled stalled = Stalled.open(endpoints.port(), STALLED)) {
      long start = System.nanoTime();
      for (Socket socket : stalled.sockets) {
        assertThat(closedByServer(socket)).as("the server closed a stalled connection").isTrue();
      }
      LOG.info("the server closed {} stalled connections within {} ms", STALLED, millisSince(start));
    }
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** True once the server ends the connection (end of stream or reset); a read timeout fails the test. */
  private static boolean closedByServer(Socket socket) throws IOException {
    socket.setSoTimeout((int) WITHIN.toMillis());
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  private static long millisSince(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
  }

  /**
   * Connections that each sent "G" and nothing more. Each is connected and its byte written before the
   * test's own request connects, and the server accepts connections in the order they were made, so the
   * stalled requests are handed to the server's threads first.
   */
  private static final class Stalled implements AutoCloseable {
    final List<Socket> sockets = new ArrayList<>();

    static Stalled open(int port, int count) throws IOException {
      Stalled stalled = new Stalled();
      try {
        for (int i = 0; i < count; i++) {
          Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
          stalled.sockets.add(socket);
          socket.getOutputStream().write('G');
          socket.getOutputStream().flush();
        }
      } catch (IOException e) {
        stalled.close();
        throw e;
      }
      return stalled;
    }

    @Override
    public void close() {
      for (Socket socket : sockets) {
        try {
          socket.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
