package dev.tether.testbed.real;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An object store with the S3 API on the real nodes: S3Proxy from the project's image ({@value #IMAGE}, built by
 * {@code hack/build-images.sh}) as a pod on the infra node, so that crashing a worker leaves it running, its
 * objects in an emptyDir, behind a Service with a fixed IP (the nodes have no cluster DNS).
 */
public final class ObjectStorePod {
  public static final String IMAGE = "tether.local/s3proxy:2.6.0";
  /** Next to the quick-start etcd's Service IP. */
  public static final String SERVICE_IP = "10.0.0.101";
  public static final int PORT = 9000;
  public static final String BUCKET = "checkpoints";

  private ObjectStorePod() {}

  /** Starts it in {@code namespace} and waits until it answers; returns its endpoint. */
  public static String start(RealCluster cluster, String namespace) {
    KubernetesClient client = cluster.client();
    Pod pod = new PodBuilder().withNewMetadata().withName("s3proxy").addToLabels("app", "s3proxy").endMetadata()
        .withNewSpec()
          .addToNodeSelector(RealCluster.INFRA_LABEL, "true")
          .addNewToleration().withKey(RealCluster.INFRA_TAINT).withOperator("Equal").withValue("true")
            .withEffect("NoSchedule").endToleration()
          .addNewContainer().withName("s3proxy").withImage(IMAGE).withImagePullPolicy("Never")
            .addNewEnv().withName("TETHER_S3_BUCKETS").withValue(BUCKET).endEnv()
            .addNewEnv().withName("TETHER_S3_DIR").withValue("/data").endEnv()
            .addNewEnv().withName("JAVA_TOOL_OPTIONS").withValue("-XX:MaxRAMPercentage=75").endEnv()
            .addNewPort().withContainerPort(PORT).endPort()
            .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
            .withNewReadinessProbe().withNewTcpSocket().withNewPort(PORT).endTcpSocket().withPeriodSeconds(1)
            .endReadinessProbe()
            .withNewResources().addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("512Mi"))
            .endResources()
            .withNewSecurityContext().withRunAsNonRoot(true).withAllowPrivilegeEscalation(false).endSecurityContext()
          .endContainer()
          .addNewVolume().withName("data").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build();
    client.pods().inNamespace(namespace).resource(pod).create();
    client.services().inNamespace(namespace).resource(new ServiceBuilder().withNewMetadata().withName("s3proxy")
        .endMetadata().withNewSpec().withClusterIP(SERVICE_IP).addToSelector("app", "s3proxy")
        .addNewPort().withPort(PORT).withNewTargetPort(PORT).endPort().endSpec().build()).create();
    try {
      client.pods().inNamespace(namespace).withName("s3proxy").waitUntilCondition(Readiness::isPodReady,
          Duration.ofMinutes(3).toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      Pod seen = client.pods().inNamespace(namespace).withName("s3proxy").get();
      throw new IllegalStateException("S3Proxy pod not ready: " + (seen == null ? "gone" : seen.getStatus())
          + "\n" + cluster.containerLog(namespace, "s3proxy", "s3proxy"), e);
    }
    return "http://" + SERVICE_IP + ":" + PORT;
  }
}
