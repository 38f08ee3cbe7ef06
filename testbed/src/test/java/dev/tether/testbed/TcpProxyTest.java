package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TcpProxyTest {
  @Test
  void forwardsToTheCurrentTargetAndDropsConnectionsWithoutOne() throws Exception {
    try (TcpProxy proxy = TcpProxy.start(); Greeter first = new Greeter("first"); Greeter second = new Greeter("second")) {
      assertThat(exchange(proxy.port(), "hello")).as("no target yet: dropped").isEmpty();

      proxy.target(first.port());
      assertThat(exchange(proxy.port(), "hello")).isEqualTo("first:hello");

      int port = proxy.port();
      proxy.target(second.port());
      assertThat(proxy.port()).isEqualTo(port);
      assertThat(exchange(proxy.port(), "again")).isEqualTo("second:again");

      proxy.target(0);
      assertThat(exchange(proxy.port(), "hello")).isEmpty();
    }
  }

  /** Sends a line, half-closes, and returns all the proxy sends back until it closes. */
  private static String exchange(int port, String line) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        socket.shutdownOutput();
      } catch (IOException dropped) {
        return "";
      }
      try (InputStream in = socket.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      } catch (IOException dropped) {
        return "";
      }
    }
  }

  /** Answers each connection with "<name>:<what it received>" and closes it. */
  private static final class Greeter implements AutoCloseable {
    private final ServerSocket server;
    private final Thread thread;

    Greeter(String name) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      thread = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket socket = server.accept()) {
            String received = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            socket.getOutputStream().write((name + ":" + received).getBytes(StandardCharsets.UTF_8));
          } catch (IOException closed) {
            // server closed at the end of the test
          }
        }
      });
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
