package dev.tether.operator.validation;

import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.operator.support.Durations;
import java.net.URI;
import java.time.Duration;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an object-store spec must satisfy beyond the CRD schema; the same rules check the admin's default at
 * start-up, where a problem stops the operator instead of every session.
 */
public final class ObjectStoreRules {
  private ObjectStoreRules() {}

  public static List<String> check(ObjectStoreSpec spec, String field) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      return problems;
    }
    if (spec.getEndpoint() == null || spec.getEndpoint().isBlank()) {
      problems.add(field + ".endpoint is required");
    } else {
      try {
        URI uri = new URI(spec.getEndpoint());
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
          problems.add(field + ".endpoint '" + spec.getEndpoint() + "' must be an http:// or https:// URL with a host");
        } else if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
          problems.add(field + ".endpoint '" + spec.getEndpoint() + "' must not carry user info, a query or a fragment");
        }
      } catch (URISyntaxException e) {
        problems.add(field + ".endpoint '" + spec.getEndpoint() + "' is not a URL: " + e.getReason());
      }
    }
    if (spec.getBucket() == null || !spec.getBucket().matches(ObjectStoreSpec.BUCKET_PATTERN) || spec.getBucket().contains("..")) {
      problems.add(field + ".bucket '" + spec.getBucket() + "' must be an S3 bucket name: 3-63 lower-case letters, "
          + "digits, '.' and '-'");
    }
    if (spec.getPrefix() != null && !spec.getPrefix().isEmpty()
        && !spec.getPrefix().matches(ObjectStoreSpec.PREFIX_PATTERN)) {
      problems.add(field + ".prefix '" + spec.getPrefix() + "' must be up to 8 path segments of letters, digits, "
          + "'-', '_' and '.', each starting with a letter or digit");
    }
    try {
      Duration maxLag = Durations.parseOr(spec.getMaxLag(), Duration.ofSeconds(30));
      if (maxLag.compareTo(Duration.ofSeconds(1)) < 0 || maxLag.compareTo(Duration.ofHours(1)) > 0) {
        problems.add(field + ".maxLag " + spec.getMaxLag() + " must be from 1s to 1h");
      }
    } catch (IllegalArgumentException e) {
      problems.add(field + ".maxLag: " + e.getMessage());
    }
    if (spec.getCredentialsSecret() == null || spec.getCredentialsSecret().isBlank()) {
      problems.add(field + ".credentialsSecret is required: a Secret with accessKeyId and secretAccessKey");
    }
    return problems;
  }
}
