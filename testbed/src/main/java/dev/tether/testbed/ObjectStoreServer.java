package dev.tether.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.filesystem.FilesystemApiMetadata;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * An S3-compatible object store on loopback: S3Proxy over the jclouds "filesystem" backend, its data in a
 * temporary directory. It speaks AWS signature V2 and V4 with a fixed {@link #accessKeyId()} and
 * {@link #secretAccessKey()}; clients should use path-style addressing and region {@link #REGION}.
 *
 * <p>{@link #stop()} and {@link #start()} take the S3 endpoint away and bring it back on the same port with the
 * objects kept, to stage "object store down". {@link #objects(String)}, {@link #read(String, String)} and
 * {@link #overwrite(String, String, byte[])} go to the backend directly (not through the S3 API), so tests can
 * look at and corrupt what a client stored, also while the endpoint is stopped.
 */
public final class ObjectStoreServer implements AutoCloseable {
  public static final String ACCESS_KEY_ID = "tether-test-access-key";
  public static final String SECRET_ACCESS_KEY = "tether-test-secret-key";
  /** Any region is accepted; this is the one to sign with. */
  public static final String REGION = "us-east-1";

  private final Path dir;
  private final String host;
  private final int port;
  /** Whether {@link #close()} deletes {@link #dir} (a temporary directory, not one handed in). */
  private final boolean temporary;
  private final BlobStoreContext context;
  private S3Proxy proxy;

  private ObjectStoreServer(Path dir, String host, int port, boolean temporary) {
    this.dir = dir;
    this.host = host;
    this.port = port;
    this.temporary = temporary;
    Properties overrides = new Properties();
    overrides.setProperty("jclouds.filesystem.basedir", dir.resolve("data").toString());
    this.context = ContextBuilder.newBuilder(new FilesystemApiMetadata())
        .credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
        .overrides(overrides)
        .buildView(BlobStoreContext.class);
  }

  /** Starts an empty object store on a free loopback port. */
  public static ObjectStoreServer startNew() {
    Path dir;
    try {
      dir = Files.createTempDirectory("tether-s3-");
      Files.createDirectories(dir.resolve("data"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ObjectStoreServer server = new ObjectStoreServer(dir, "127.0.0.1", Ports.free(), true);
    try {
      server.start();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /**
   * Serves the S3 API on every address of this machine (or pod), its objects under {@code dir}, with the given
   * buckets created: the object store the real nodes run as a pod ({@code hack/build-images.sh}).
   */
  public static ObjectStoreServer serve(Path dir, int port, List<String> buckets) throws IOException {
    Files.createDirectories(dir.resolve("data"));
    ObjectStoreServer server = new ObjectStoreServer(dir, "0.0.0.0", port, false);
    buckets.forEach(server::createBucket);
    server.start();
    return server;
  }

  /** The image's entry point: {@code TETHER_S3_DIR} (default /data), {@code TETHER_S3_PORT} (default 9000),
   * {@code TETHER_S3_BUCKETS} (comma-separated). Runs until the process is stopped. */
  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    ObjectStoreServer server = serve(Path.of(env.getOrDefault("TETHER_S3_DIR", "/data")),
        Integer.parseInt(env.getOrDefault("TETHER_S3_PORT", "9000")),
        java.util.Arrays.stream(env.getOrDefault("TETHER_S3_BUCKETS", "").split(","))
            .map(String::trim).filter(b -> !b.isEmpty()).toList());
    System.out.println("S3 API on " + server.endpoint() + ", objects in " + server.baseDir());
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    Thread.currentThread().join();
  }

  /**
   * The Secret a session names in {@code spec.checkpoint.objectStore.credentialsSecret}, with this store's fixed
   * credentials under the keys the operator reads.
   */
  public static io.fabric8.kubernetes.api.model.Secret credentialsSecret(String namespace, String name) {
    return new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(name)
        .withNamespace(namespace).endMetadata()
        .withStringData(Map.of("accessKeyId", ACCESS_KEY_ID, "secretAccessKey", SECRET_ACCESS_KEY))
        .build();
  }

  /** {@code http://<host>:<port>}, the same across {@link #stop()} and {@link #start()}. */
  public URI endpoint() {
    return URI.create("http://" + host + ":" + port);
  }

  public int port() {
    return port;
  }

  public String accessKeyId() {
    return ACCESS_KEY_ID;
  }

  public String secretAccessKey() {
    return SECRET_ACCESS_KEY;
  }

  public String region() {
    return REGION;
  }

  /** Where the filesystem backend keeps buckets (one directory each) and objects (files under them). */
  public Path baseDir() {
    return dir.resolve("data");
  }

  public synchronized boolean isRunning() {
    return proxy != null;
  }

  /** Starts serving S3 on {@link #endpoint()}; after {@link #stop()}, with the objects kept. No-op if running. */
  public synchronized void start() {
    if (proxy != null) {
      return;
    }
    S3Proxy started = S3Proxy.builder()
        .blobStore(context.getBlobStore())
        .endpoint(endpoint())
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
        .ignoreUnknownHeaders(true)
        .build();
    try {
      started.start();
      Poll.until("S3Proxy on " + endpoint(), java.time.Duration.ofSeconds(30), () -> true,
          () -> "STARTED".equals(started.getState()));
    } catch (Exception e) {
      stopQuietly(started);
      throw new IllegalStateException("S3Proxy did not start on " + endpoint(), e);
    }
    proxy = started;
  }

  /** Stops serving: connections to {@link #endpoint()} are refused until {@link #start()}. Objects stay. */
  public synchronized void stop() {
    if (proxy != null) {
      S3Proxy stopping = proxy;
      proxy = null;
      try {
        stopping.stop();
      } catch (Exception e) {
        throw new IllegalStateException("S3Proxy did not stop", e);
      }
    }
  }

  public void createBucket(String bucket) {
    context.getBlobStore().createContainerInLocation(null, bucket);
  }

  /** All object keys in the bucket, sorted. */
  public List<String> objects(String bucket) {
    BlobStore store = context.getBlobStore();
    List<String> keys = new ArrayList<>();
    ListContainerOptions options = ListContainerOptions.Builder.recursive();
    while (true) {
      PageSet<? extends StorageMetadata> page = store.list(bucket, options);
      for (StorageMetadata entry : page) {
        if (entry.getType() == StorageType.BLOB) {
          keys.add(entry.getName());
        }
      }
      if (page.getNextMarker() == null) {
        break;
      }
      options = ListContainerOptions.Builder.recursive().afterMarker(page.getNextMarker());
    }
    keys.sort(Comparator.naturalOrder());
    return keys;
  }

  /** The object's bytes, or null if there is no such object. */
  public byte[] read(String bucket, String key) {
    Blob blob = context.getBlobStore().getBlob(bucket, key);
    if (blob == null) {
      return null;
    }
    try (InputStream in = blob.getPayload().openStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replaces (or creates) the object with these bytes, behind any client's back: to corrupt a stored blob. */
  public void overwrite(String bucket, String key, byte[] content) {
    BlobStore store = context.getBlobStore();
    store.putBlob(bucket, store.blobBuilder(key).payload(content).contentLength(content.length).build());
  }

  public void delete(String bucket, String key) {
    context.getBlobStore().removeBlob(bucket, key);
  }

  @Override
  public synchronized void close() {
    try {
      stop();
    } finally {
      context.close();
      if (!temporary) {
        return;
      }
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort: it is a temp directory
      }
    }
  }

  private static void stopQuietly(S3Proxy proxy) {
    try {
      proxy.stop();
    } catch (Exception e) {
      // already failing
    }
  }
}
