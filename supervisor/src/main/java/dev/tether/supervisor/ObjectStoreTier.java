package dev.tether.supervisor;

import dev.tether.store.ObjectKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The session's blobs in the object store. Every call is bounded in time, so a hung store fails a commit instead
 * of holding it. The blob's digest is not trusted to the store: a download is verified against the manifest by
 * the caller, as a blob on the volume is.
 */
final class ObjectStoreTier implements AutoCloseable {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  /** The store could not be reached or refused the call. */
  static final class UnavailableException extends RuntimeException {
    UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final ObjectStoreConfig config;
  private final S3Client s3;
  /** Keys this supervisor uploaded, by sequence: retention deletes them without listing the prefix. */
  private final ConcurrentSkipListMap<Long, String> uploaded = new ConcurrentSkipListMap<>();
  /** Whether the prefix was listed once for what earlier incarnations left. */
  private volatile boolean swept;

  ObjectStoreTier(ObjectStoreConfig config) {
    this.config = config;
    this.s3 = S3Client.builder()
        .endpointOverride(config.endpoint())
        .region(Region.of(config.region()))
        .forcePathStyle(config.pathStyle())
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey())))
        // The digest in the manifest is the end-to-end check; self-hosted stores vary in the SDK's newer checksums.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
            .socketTimeout(CALL_TIMEOUT).build())
        .overrideConfiguration(c -> c.apiCallTimeout(CALL_TIMEOUT))
        .build();
  }

  String keyOf(long sequence, long epoch) {
    return ObjectKeys.blob(config.prefix(), sequence, epoch);
  }

  /** Uploads the blob file of {@code sequence}, written by {@code epoch}; returns its key. */
  String upload(Path blob, long sequence, long epoch) {
    return upload(blob, sequence, keyOf(sequence, epoch));
  }

  /** Uploads a blob file under the key its manifest names. */
  String upload(Path blob, long sequence, String key) {
    try {
      s3.putObject(b -> b.bucket(config.bucket()).key(key), RequestBody.fromFile(blob));
      uploaded.put(sequence, key);
      return key;
    } catch (SdkException e) {
      throw new UnavailableException("cannot upload to " + describe(key) + ": " + e.getMessage(), e);
    }
  }

  boolean asynchronous() {
    return config.mode() == ObjectStoreConfig.Mode.Asynchronous;
  }

  ObjectStoreConfig config() {
    return config;
  }

  /** The object's bytes, or empty when there is no such object. The caller closes the stream. */
  Optional<InputStream> download(String key) {
    try {
      ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(config.bucket()).key(key));
      return Optional.of(in);
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw new UnavailableException("cannot download " + describe(key) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the session's blobs of sequences up to {@code upTo} (pruned from etcd by retention): once by listing the
   * prefix, for what earlier incarnations left, then only the keys this supervisor uploaded, without a listing
   * on every commit.
   */
  int prune(long upTo) throws IOException {
    int deleted = 0;
    try {
      if (!swept) {
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(config.prefix()))) {
          for (S3Object object : page.contents()) {
            Optional<Long> sequence = ObjectKeys.sequenceOf(config.prefix(), object.key());
            if (sequence.isPresent() && sequence.get() <= upTo) {
              s3.deleteObject(b -> b.bucket(config.bucket()).key(object.key()));
              deleted++;
            }
          }
        }
        swept = true;
      }
      var old = uploaded.headMap(upTo, true);
      for (var entry : old.entrySet()) {
        s3.deleteObject(b -> b.bucket(config.bucket()).key(entry.getValue()));
        old.remove(entry.getKey());
        deleted++;
      }
    } catch (SdkException e) {
      throw new IOException("cannot prune " + describe(config.prefix()) + ": " + e.getMessage(), e);
    }
    return deleted;
  }

  private String describe(String key) {
    return "s3://" + config.bucket() + "/" + key + " at " + config.endpoint();
  }

  @Override
  public void close() {
    s3.close();
  }
}
