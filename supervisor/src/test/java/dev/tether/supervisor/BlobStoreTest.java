package dev.tether.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {
  private static final int KIB = 1024;

  @TempDir
  Path root;

  private final AtomicInteger prunes = new AtomicInteger();

  private static byte[] random(int size, int seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** A volume of {@code capacity} bytes holding blobs 1, 2 and 3 of {@code blobSize} bytes each. */
  private BlobStore threeBlobs(SmallVolume volume, int blobSize) throws IOException {
    BlobStore blobs = new BlobStore(root, null, volume);
    for (int i = 1; i <= 3; i++) {
      Files.write(blobs.path(i), random(blobSize, i));
    }
    return blobs;
  }

  /** What the writer prunes with retain=3 after sequence 3: up to max(1, retain - 1) = 2 newest kept. */
  private BlobStore.FullVolume pruningUpTo(BlobStore blobs, long upTo) {
    return new BlobStore.FullVolume(() -> {
      prunes.incrementAndGet();
      blobs.sweep(upTo, 3);
    });
  }

  private String[] files() throws IOException {
    try (Stream<Path> files = Files.list(root.resolve("checkpoints"))) {
      return files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
    }
  }

  @Test
  void aBodyThatFitsIsStagedWithoutPruning() throws IOException {
    SmallVolume volume = new SmallVolume(1000 * KIB);
    BlobStore blobs = threeBlobs(volume, 100 * KIB);
    byte[] body = random(300 * KIB, 9);
    BlobStore.Staged staged = blobs.stage(4, new ByteArrayInputStream(body), Long.MAX_VALUE, body.length,
        pruningUpTo(blobs, 1));
    assertThat(staged.size()).isEqualTo(body.length);
    assertThat(staged.digest()).isEqualTo(AgentClient.sha256(body));
    assertThat(prunes).hasValue(0);
    assertThat(volume.fullWrites()).isZero();
  }

  /** Chunked: no length up front, so the volume fills part-way; pruned once, the rest goes on in the same file. */
  @Test
  void aFullVolumeMidStreamIsPrunedAndWritingGoesOnWhereItFailed() throws IOException {
    SmallVolume volume = new SmallVolume(350 * KIB);
    BlobStore blobs = threeBlobs(volume, 100 * KIB);
    byte[] body = random(100 * KIB + 123, 4);
    BlobStore.Staged staged = blobs.stage(4, new ByteArrayInputStream(body), Long.MAX_VALUE, -1,
        pruningUpTo(blobs, 1));
    assertThat(volume.fullWrites()).as("the write failed part-way once").isEqualTo(1);
    assertThat(prunes).hasValue(1);
    assertThat(Files.readAllBytes(staged.temp())).as("the temp file holds the body exactly").isEqualTo(body);
    assertThat(staged.digest()).isEqualTo(AgentClient.sha256(body));
    assertThat(staged.size()).isEqualTo(body.length);
    assertThat(blobs.publishNew(staged, 4, BlobStore.FullVolume.NO_PRUNING)).isTrue();
    assertThat(files()).containsExactly("2.blob", "3.blob", "4.blob");
  }

  @Test
  void aKnownLengthThatDoesNotFitPrunesBeforeTheFirstWrite() throws IOException {
    SmallVolume volume = new SmallVolume(350 * KIB);
    BlobStore blobs = threeBlobs(volume, 100 * KIB);
    byte[] body = random(100 * KIB, 5);
    BlobStore.Staged staged = blobs.stage(4, new ByteArrayInputStream(body), Long.MAX_VALUE, body.length,
        pruningUpTo(blobs, 1));
    assertThat(prunes).hasValue(1);
    assertThat(volume.fullWrites()).as("no write hit the full volume").isZero();
    assertThat(Files.readAllBytes(staged.temp())).isEqualTo(body);
  }

  @Test
  void aBodyThatStillDoesNotFitAfterThePruneFailsAndLeavesNoTempFile() throws IOException {
    SmallVolume volume = new SmallVolume(350 * KIB);
    BlobStore blobs = threeBlobs(volume, 100 * KIB);
    byte[] body = random(400 * KIB, 6);
    assertThatThrownBy(() -> blobs.stage(4, new ByteArrayInputStream(body), Long.MAX_VALUE, -1,
        pruningUpTo(blobs, 2)))
        .isInstanceOf(BlobStore.InsufficientStorageException.class)
        .hasMessageContaining("the checkpoint volume is full")
        .hasMessageContaining("after pruning older checkpoints");
    assertThat(prunes).as("pruned once, not once per chunk").hasValue(1);
    assertThat(volume.fullWrites()).isEqualTo(2);
    assertThat(files()).as("the newest blob stays, the temp file is gone").containsExactly("3.blob");
  }

  @Test
  void withoutPruningAFullVolumeFailsAtOnce() throws IOException {
    SmallVolume volume = new SmallVolume(350 * KIB);
    BlobStore blobs = threeBlobs(volume, 100 * KIB);
    assertThatThrownBy(() -> blobs.stage(4, new ByteArrayInputStream(random(100 * KIB, 7)), Long.MAX_VALUE, -1,
        BlobStore.FullVolume.NO_PRUNING))
        .isInstanceOf(BlobStore.InsufficientStorageException.class)
        .hasMessageNotContaining("pruning");
    assertThat(files()).containsExactly("1.blob", "2.blob", "3.blob");
  }

  @Test
  void aFailureThatIsNotAFullVolumeIsNotPrunedFor() throws IOException {
    VolumeSpace broken = new VolumeSpace() {
      @Override
      public void write(java.nio.channels.FileChannel channel, Path file, java.nio.ByteBuffer bytes)
          throws IOException {
        throw new IOException("Input/output error");
      }

      @Override
      public void link(Path link, Path existing) throws IOException {
        Files.createLink(link, existing);
      }

      @Override
      public long usableSpace(Path dir) {
        return Long.MAX_VALUE / 2;
      }
    };
    BlobStore blobs = new BlobStore(root, null, broken);
    Files.write(blobs.path(1), new byte[10]);
    assertThatThrownBy(() -> blobs.stage(2, new ByteArrayInputStream(new byte[10]), Long.MAX_VALUE, -1,
        pruningUpTo(blobs, 1)))
        .isNotInstanceOf(BlobStore.InsufficientStorageException.class).hasMessage("Input/output error");
    assertThat(prunes).hasValue(0);
    assertThat(files()).containsExactly("1.blob");
  }

  @Test
  void aLinkThatFindsTheVolumeFullIsRetriedOnceAfterPruning() throws IOException {
    SmallVolume volume = new SmallVolume(1000 * KIB);
    BlobStore blobs = threeBlobs(volume, 100 * KIB);
    BlobStore.FullVolume full = pruningUpTo(blobs, 1);
    BlobStore.Staged staged = blobs.stage(4, new ByteArrayInputStream(random(10, 8)), Long.MAX_VALUE, 10, full);
    volume.failLinks(1);
    assertThat(blobs.publishNew(staged, 4, full)).isTrue();
    assertThat(prunes).hasValue(1);
    assertThat(files()).containsExactly("2.blob", "3.blob", "4.blob");

    BlobStore.FullVolume again = pruningUpTo(blobs, 2);
    BlobStore.Staged next = blobs.stage(5, new ByteArrayInputStream(random(10, 9)), Long.MAX_VALUE, 10, again);
    volume.failLinks(2);
    assertThatThrownBy(() -> blobs.publishNew(next, 5, again))
        .isInstanceOf(BlobStore.InsufficientStorageException.class);
    blobs.discard(next);
    assertThat(prunes).hasValue(2);
    assertThat(files()).containsExactly("3.blob", "4.blob");
  }
}
