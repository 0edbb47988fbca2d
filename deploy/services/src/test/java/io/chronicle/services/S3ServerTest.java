package io.chronicle.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.S3Object;

class S3ServerTest {

    private static final String BUCKET = "warehouse";
    private static final String KEY = "db/table/data/part-0.parquet";
    private static final String CONTENT = "hello from chronicle";

    @TempDir
    Path dataDir;

    @Test
    void storesObjectsAcrossARestart() throws Exception {
        try (S3Server server = S3Server.start(dataDir, 0); S3Client s3 = client(server)) {
            server.createBucket(BUCKET);
            server.createBucket(BUCKET); // idempotent

            s3.putObject(b -> b.bucket(BUCKET).key(KEY), RequestBody.fromString(CONTENT));

            assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)).asUtf8String()).isEqualTo(CONTENT);
            assertThat(s3.listBuckets().buckets()).extracting(Bucket::name).containsExactly(BUCKET);
            assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("db/")).contents())
                    .extracting(S3Object::key, S3Object::size)
                    .containsExactly(Tuple.tuple(KEY, (long) CONTENT.length()));
        }

        try (S3Server server = S3Server.start(dataDir, 0); S3Client s3 = client(server)) {
            assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)).asUtf8String()).isEqualTo(CONTENT);
        }
    }

    @Test
    void aServerLeftRunningIsTakenOverUnlessItsKeysDiffer() throws Exception {
        int port = Ports.free(1)[0];
        try (S3Server left = S3Server.start(dataDir, port); S3Client s3 = client(left)) {
            left.createBucket(BUCKET);
            s3.putObject(b -> b.bucket(BUCKET).key(KEY), RequestBody.fromString(CONTENT));
            // Running with its pid file beside its log, as a parent killed outright leaves it.
            ProcessHandle running = ProcessHandle.of(pid()).orElseThrow();
            try (S3Server adopted = S3Server.start(dataDir, port); S3Client again = client(adopted)) {
                assertThat(pid()).as("the same process, not a new one").isEqualTo(running.pid());
                assertThat(again.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)).asUtf8String()).isEqualTo(CONTENT);

                try (S3Server rekeyed = S3Server.start(dataDir, port, "other", "other-secret-key");
                        S3Client other = client(rekeyed)) {
                    assertThat(running.isAlive()).as("another configuration: stopped, started anew").isFalse();
                    assertThat(pid()).isNotEqualTo(running.pid());
                    assertThat(other.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)).asUtf8String()).isEqualTo(CONTENT);
                }
            }
        }
    }

    private long pid() throws java.io.IOException {
        return Long.parseLong(java.nio.file.Files.readString(dataDir.resolve("s3proxy.pid")).trim());
    }

    @Test
    void aStoppedServerRefusesConnectionsThenServesItsObjectsAgain() throws Exception {
        try (S3Server server = S3Server.start(dataDir, 0); S3Client s3 = client(server)) {
            server.createBucket(BUCKET);
            s3.putObject(b -> b.bucket(BUCKET).key(KEY), RequestBody.fromString(CONTENT));

            server.stop();
            assertThat(Ports.isOpen(server.endpoint().getPort())).isFalse();
            assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)))
                    .isInstanceOf(SdkClientException.class);

            server.startAgain();
            assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(KEY)).asUtf8String()).isEqualTo(CONTENT);
        }
    }

    private static S3Client client(S3Server server) {
        return S3Client.builder()
                .endpointOverride(server.endpoint())
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(server.accessKey(), server.secretKey())))
                .build();
    }
}
