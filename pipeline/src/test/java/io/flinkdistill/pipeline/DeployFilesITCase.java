package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What can be checked of the container and Kubernetes files without Docker or a cluster: every file
 * the Dockerfile copies exists after the build, the job jar leaves out Flink and the native
 * libraries, and the YAML files parse and say what the README says.
 */
class DeployFilesITCase {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DEPLOY = ROOT.resolve("deploy");

    @Test
    void shouldFindEveryFileTheDockerfileCopies() throws Exception {
        List<String> sources = new ArrayList<>();
        for (String line : Files.readAllLines(DEPLOY.resolve("docker/Dockerfile"))) {
            if (line.startsWith("COPY ")) {
                sources.add(line.split("\\s+")[1]);
            }
        }
        assertThat(sources).hasSizeGreaterThanOrEqualTo(4);
        for (String s : sources) {
            assertThat(ROOT.resolve(s)).as("COPY %s", s).exists();
        }
        try (var lib = Files.list(DEPLOY.resolve("target/flink/lib"))) {
            assertThat(lib.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("onnxruntime-"))
                    .anyMatch(n -> n.startsWith("pytorch-native-cpu-"))
                    .anyMatch(n -> n.startsWith("pytorch-jni-"))
                    .anyMatch(n -> n.startsWith("tokenizers-"));
        }
    }

    @Test
    void shouldKeepFlinkAndNativeLibrariesOutOfTheJobJar() throws Exception {
        try (JarFile jar =
                new JarFile(ROOT.resolve("pipeline/target/flink-distill-job.jar").toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).toList();
            assertThat(names)
                    .contains("io/flinkdistill/pipeline/cli/ClusterMain.class")
                    .anyMatch(n -> n.startsWith("org/apache/flink/connector/kafka/"))
                    .noneMatch(n -> n.startsWith("org/apache/flink/runtime/"))
                    .noneMatch(n -> n.startsWith("org/apache/flink/streaming/api/environment/"))
                    .noneMatch(n -> n.startsWith("ai/djl/"))
                    .noneMatch(n -> n.startsWith("ai/onnxruntime/"))
                    .noneMatch(n -> n.startsWith("kafka/server/"));
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("io.flinkdistill.pipeline.cli.ClusterMain");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldParseTheComposeAndKubernetesFiles() throws Exception {
        Load yaml = new Load(LoadSettings.builder().build());
        Map<String, Object> compose =
                (Map<String, Object>)
                        yaml.loadFromString(
                                Files.readString(DEPLOY.resolve("docker/docker-compose.yml")));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertThat(services).containsKeys("kafka", "jobmanager", "taskmanager", "replay");
        assertThat((List<String>) ((Map<String, Object>) services.get("jobmanager")).get("command"))
                .contains("io.flinkdistill.pipeline.cli.ClusterMain", "run");

        Map<String, Object> deployment =
                (Map<String, Object>)
                        yaml.loadFromString(
                                Files.readString(DEPLOY.resolve("k8s/flink-deployment.yaml")));
        assertThat(deployment.get("kind")).isEqualTo("FlinkDeployment");
        Map<String, Object> spec = (Map<String, Object>) deployment.get("spec");
        Map<String, Object> job = (Map<String, Object>) spec.get("job");
        assertThat(job.get("upgradeMode")).isEqualTo("savepoint");
        assertThat(job.get("entryClass")).isEqualTo("io.flinkdistill.pipeline.cli.ClusterMain");
        Map<String, Object> conf = (Map<String, Object>) spec.get("flinkConfiguration");
        assertThat((String) conf.get("execution.checkpointing.dir")).startsWith("s3://");
        assertThat(conf.get("high-availability.type")).isEqualTo("kubernetes");

        List<String> topics = new ArrayList<>();
        for (Object doc :
                yaml.loadAllFromString(Files.readString(DEPLOY.resolve("k8s/kafka-topics.yaml")))) {
            Map<String, Object> d = (Map<String, Object>) doc;
            assertThat(d.get("kind")).isEqualTo("KafkaTopic");
            topics.add((String) ((Map<String, Object>) d.get("metadata")).get("name"));
        }
        assertThat(topics)
                .containsExactlyInAnyOrder(
                        "distill.samples",
                        "distill.samples.dlq",
                        "distill.metrics",
                        "distill.control",
                        "distill.models");
        // Every image the compose file starts has durable checkpoint storage, not the
        // JobManager's memory (which cannot hold the trainer's state).
        Map<String, Object> overrides =
                (Map<String, Object>)
                        yaml.loadFromString(
                                Files.readString(DEPLOY.resolve("docker/config-overrides.yaml")));
        assertThat((String) overrides.get("execution.checkpointing.dir"))
                .startsWith("file:///data/");
        assertThat(overrides.get("execution.checkpointing.externalized-checkpoint-retention"))
                .isEqualTo("RETAIN_ON_CANCELLATION");
    }
}
