package dev.tether.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON stored in etcd. Written by hand on Jackson's tree model so the format is visible in one place and
 * does not change with a record's component order; times are RFC 3339 (UTC).
 */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static byte[] manifest(Manifest m) {
    ObjectNode node = MAPPER.createObjectNode()
        .put("sequence", m.sequence())
        .put("epoch", m.epoch())
        .put("digest", m.digest())
        .put("size", m.size())
        .put("createdAt", m.createdAt().toString());
    ObjectNode meta = node.putObject("metadata");
    m.metadata().forEach(meta::put);
    if (m.answersRequest() != null) {
      node.put("answersRequest", m.answersRequest());
    }
    if (m.object() != null) {
      node.put("object", m.object());
    }
    return write(node);
  }

  static Manifest manifest(byte[] json) {
    JsonNode n = read(json);
    Map<String, String> metadata = new LinkedHashMap<>();
    n.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
    return new Manifest(n.path("sequence").asLong(), n.path("epoch").asLong(), n.path("digest").asText(),
        n.path("size").asLong(), Instant.parse(n.path("createdAt").asText()), metadata, text(n, "answersRequest"),
        text(n, "object"));
  }

  static byte[] restore(RestoreRecord r) {
    ObjectNode node = MAPPER.createObjectNode().put("epoch", r.epoch());
    if (r.sequence() == null) {
      node.putNull("sequence");
    } else {
      node.put("sequence", r.sequence());
    }
    node.put("digest", r.digest()).put("fallback", r.fallback()).put("reason", r.reason())
        .put("time", r.time().toString());
    if (r.source() != null) {
      node.put("source", r.source());
    }
    return write(node);
  }

  static RestoreRecord restore(byte[] json) {
    JsonNode n = read(json);
    Long sequence = n.path("sequence").isNumber() ? n.path("sequence").asLong() : null;
    return new RestoreRecord(n.path("epoch").asLong(), sequence, text(n, "digest"), n.path("fallback").asBoolean(),
        n.path("reason").asText(), Instant.parse(n.path("time").asText()),
        n.has("source") ? text(n, "source") : sequence == null ? null : RestoreRecord.VOLUME);
  }

  static byte[] uploads(UploadState u) {
    ObjectNode node = MAPPER.createObjectNode().put("epoch", u.epoch()).put("uploadedSequence", u.uploadedSequence())
        .put("pending", u.pending());
    putTime(node, "uploadedAt", u.uploadedAt());
    putTime(node, "pendingSince", u.pendingSince());
    if (u.error() != null) {
      node.put("error", u.error());
    }
    putTime(node, "errorSince", u.errorSince());
    return write(node);
  }

  static UploadState uploads(byte[] json) {
    JsonNode n = read(json);
    return new UploadState(n.path("epoch").asLong(), n.path("uploadedSequence").asLong(), time(n, "uploadedAt"),
        n.path("pending").asInt(), time(n, "pendingSince"), text(n, "error"), time(n, "errorSince"));
  }

  private static void putTime(ObjectNode node, String field, Instant time) {
    if (time != null) {
      node.put(field, time.toString());
    }
  }

  private static Instant time(JsonNode n, String field) {
    String text = text(n, field);
    return text == null ? null : Instant.parse(text);
  }

  static byte[] request(CheckpointRequest r) {
    return write(MAPPER.createObjectNode().put("requestId", r.requestId()).put("epoch", r.epoch())
        .put("deadline", r.deadline().toString()));
  }

  static CheckpointRequest request(byte[] json) {
    JsonNode n = read(json);
    return new CheckpointRequest(n.path("requestId").asText(), n.path("epoch").asLong(),
        Instant.parse(n.path("deadline").asText()));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static byte[] write(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode read(byte[] json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }
}
