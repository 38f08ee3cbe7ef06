package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

class ObjectStoreServerIT {
  private static ObjectStoreServer server;
  private static S3Client s3;

  @BeforeAll
  static void start() {
    server = ObjectStoreServer.startNew();
    s3 = S3Client.builder()
        .endpointOverride(server.endpoint())
        .region(Region.of(server.region()))
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(server.accessKeyId(), server.secretAccessKey())))
        .forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(1)).build())
        .build();
  }

  @AfterAll
  static void stop() {
    s3.close();
    server.close();
  }

  @Test
  void storesThroughTheS3ApiKeepsObjectsAcrossARestartAndLetsTestsCorruptThem() {
    server.createBucket("checkpoints");
    s3.putObject(b -> b.bucket("checkpoints").key("a/b/1.blob"), RequestBody.fromString("hello"));

    assertThat(server.objects("checkpoints")).containsExactly("a/b/1.blob");
    assertThat(server.read("checkpoints", "a/b/1.blob")).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));

    server.stop();
    assertThatThrownBy(() -> s3.headObject(b -> b.bucket("checkpoints").key("a/b/1.blob")))
        .isInstanceOf(SdkClientException.class);
    server.start();

    server.overwrite("checkpoints", "a/b/1.blob", "jello".getBytes(StandardCharsets.UTF_8));
    assertThat(s3.getObjectAsBytes(b -> b.bucket("checkpoints").key("a/b/1.blob")).asUtf8String())
        .isEqualTo("jello");
    // The filesystem backend also lists its directories, as keys ending in '/'.
    assertThat(s3.listObjectsV2(b -> b.bucket("checkpoints").prefix("a/")).contents())
        .extracting(o -> o.key()).filteredOn(key -> !key.endsWith("/")).containsExactly("a/b/1.blob");
    s3.deleteObject(b -> b.bucket("checkpoints").key("a/b/1.blob"));
    assertThat(server.objects("checkpoints")).isEmpty();
  }
}
