package dev.tether.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards bytes from a fixed loopback port to a loopback target port that may change, so clients keep
 * one address while the process behind it restarts on another port. Plain TCP: TLS stays end to end.
 * While no target is set, connections are accepted and closed at once (the client sees a dropped
 * connection and retries, as it would against a restarting server).
 */
public final class TcpProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final ServerSocket server;
  private final ExecutorService threads;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile int targetPort;

  private TcpProxy(ServerSocket server) {
    this.server = server;
    AtomicInteger count = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "tcp-proxy-" + server.getLocalPort() + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    threads.execute(this::acceptLoop);
  }

  /** Listens on a free loopback port; no target yet. */
  public static TcpProxy start() {
    try {
      ServerSocket server = new ServerSocket();
      server.bind(new InetSocketAddress(LOOPBACK, 0));
      return new TcpProxy(server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Sends new connections to this loopback port; 0 refuses them. Open connections stay as they are. */
  public void target(int port) {
    this.targetPort = port;
  }

  /** Closes all forwarded connections, e.g. when the target went away and its peers should notice now. */
  public void disconnectAll() {
    open.forEach(TcpProxy::closeQuietly);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.execute(() -> connect(client));
      } catch (IOException e) {
        if (!server.isClosed()) {
          LOG.warn("accept failed on proxy port {}", port(), e);
        }
      }
    }
  }

  private void connect(Socket client) {
    int port = targetPort;
    if (port == 0) {
      closeQuietly(client);
      return;
    }
    Socket upstream = new Socket();
    try {
      upstream.connect(new InetSocketAddress(LOOPBACK, port), 5_000);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    open.add(client);
    open.add(upstream);
    AtomicInteger directions = new AtomicInteger(2);
    threads.execute(() -> pipe(upstream, client, directions));
    pipe(client, upstream, directions);
  }

  /**
   * Copies one direction. At its end the other side gets a half-close, as a direct connection would;
   * both sockets close once both directions ended, or at once on an error (reset, killed process).
   */
  private void pipe(Socket from, Socket to, AtomicInteger directions) {
    boolean clean = false;
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buffer = new byte[16 * 1024];
      int read;
      while ((read = in.read(buffer)) >= 0) {
        out.write(buffer, 0, read);
        out.flush();
      }
      to.shutdownOutput();
      clean = true;
    } catch (SocketException e) {
      // reset, or closed by the other direction: a normal end of a forwarded connection
    } catch (IOException e) {
      LOG.debug("proxy connection ended", e);
    } finally {
      if (!clean || directions.decrementAndGet() == 0) {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    disconnectAll();
    threads.shutdownNow();
  }
}
