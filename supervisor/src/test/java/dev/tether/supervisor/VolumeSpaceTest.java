package dev.tether.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeSpaceTest {
  @TempDir
  Path dir;

  @Test
  void enospcIsAFullVolumeWhateverTheRoomSeemsToBe() {
    VolumeSpace roomy = new SmallVolume(Long.MAX_VALUE / 2);
    assertThat(roomy.isFull(new FileSystemException("/v/1.blob", null, "No space left on device"), dir, 1)).isTrue();
    assertThat(roomy.isFull(new IOException("write failed: No space left on device"), dir, 1)).isTrue();
  }

  @Test
  void anotherFailureIsAFullVolumeOnlyWhenLessRoomIsLeftThanWasNeeded() throws IOException {
    VolumeSpace volume = new SmallVolume(100);
    Files.write(dir.resolve("a"), new byte[60]);
    IOException quota = new IOException("Disk quota exceeded");
    assertThat(volume.isFull(quota, dir, 41)).isTrue();
    assertThat(volume.isFull(quota, dir, 40)).isFalse();
    assertThat(volume.isFull(new IOException("Input/output error"), dir, 1)).isFalse();
  }

  @Test
  void theRealVolumeWritesEverythingAndMeasuresTheFileStore() throws IOException {
    Path file = dir.resolve("f");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer bytes = ByteBuffer.wrap(new byte[200_000]);
      VolumeSpace.REAL.write(channel, file, bytes);
      assertThat(bytes.hasRemaining()).isFalse();
    }
    assertThat(Files.size(file)).isEqualTo(200_000);
    // Other processes write to the same file system between the two readings: close, not equal.
    assertThat(VolumeSpace.REAL.usableSpace(dir)).isPositive()
        .isCloseTo(Files.getFileStore(dir).getUsableSpace(), org.assertj.core.api.Assertions.within(256L << 20));
  }

  /** The test double itself: a write that does not fit writes what does, then fails with ENOSPC. */
  @Test
  void aSmallVolumeFillsUpLikeADisk() throws IOException {
    SmallVolume volume = new SmallVolume(1000);
    Files.write(dir.resolve("other"), new byte[400]);
    Path file = dir.resolve("f");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      volume.write(channel, file, ByteBuffer.wrap(new byte[500]));
      assertThat(volume.usableSpace(dir)).isEqualTo(100);
      ByteBuffer tooMuch = ByteBuffer.wrap(new byte[300]);
      assertThatThrownBy(() -> volume.write(channel, file, tooMuch)).isInstanceOf(FileSystemException.class)
          .hasMessageContaining("No space left on device");
      assertThat(tooMuch.position()).as("what fitted was written").isEqualTo(100);
    }
    assertThat(Files.size(file)).isEqualTo(600);
    assertThat(volume.usableSpace(dir)).isZero();
    assertThat(volume.fullWrites()).isEqualTo(1);
    Files.createLink(dir.resolve("g"), file);
    assertThat(volume.usableSpace(dir)).as("a hard link takes no room").isZero();
    Files.delete(dir.resolve("other"));
    assertThat(volume.usableSpace(dir)).isEqualTo(400);
  }
}
