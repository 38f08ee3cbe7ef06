package dev.tether.operator.checkpoint;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * reclaimPolicy Delete for the object-store tier: removes every object under the session's prefix when the
 * session is deleted, with the credentials of the tenant's Secret (read in the session's namespace). Retention of
 * older checkpoints while the session lives is the supervisor's.
 */
public final class ObjectStoreCleanup {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private final KubernetesClient client;

  public ObjectStoreCleanup(KubernetesClient client) {
    this.client = client;
  }

  /** Returns how many objects were deleted; throws when the Secret or the store cannot be used. */
  public int deleteAll(String namespace, ObjectStoreTarget target) {
    Secret secret = client.secrets().inNamespace(namespace).withName(target.credentialsSecret()).get();
    if (secret == null) {
      throw new IllegalStateException("Secret " + namespace + "/" + target.credentialsSecret() + " not found");
    }
    try (S3Client s3 = S3Client.builder()
        .endpointOverride(URI.create(target.endpoint()))
        .region(Region.of(target.region()))
        .forcePathStyle(target.pathStyle())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            key(secret, ObjectStoreTarget.ACCESS_KEY_ID), key(secret, ObjectStoreTarget.SECRET_ACCESS_KEY))))
        .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
            .socketTimeout(CALL_TIMEOUT))
        .overrideConfiguration(c -> c.apiCallTimeout(CALL_TIMEOUT))
        .build()) {
      int deleted = 0;
      ListObjectsV2Request list = ListObjectsV2Request.builder().bucket(target.bucket())
          .prefix(target.sessionPrefix()).build();
      for (var page : s3.listObjectsV2Paginator(list)) {
        List<String> keys = page.contents().stream().map(S3Object::key).toList();
        for (String key : keys) {
          s3.deleteObject(b -> b.bucket(target.bucket()).key(key));
          deleted++;
        }
      }
      return deleted;
    }
  }

  private static String key(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8).trim();
    }
    if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
      return secret.getStringData().get(key).trim();
    }
    throw new IllegalStateException("Secret " + secret.getMetadata().getNamespace() + "/"
        + secret.getMetadata().getName() + " has no key " + key);
  }
}
