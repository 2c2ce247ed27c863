package io.flinkdistill.pipeline.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Writer schemas by id from a schema registry's REST API ({@code GET /schemas/ids/{id}}, which
 * Confluent Schema Registry and Apicurio's compatibility API, {@code .../apis/ccompat/v7}, both
 * serve), cached for the life of the task. An id the registry does not know is a bad record; a
 * registry that does not answer is retried with backoff and then fails the job, so that it restarts
 * from its checkpoint instead of dead-lettering good records.
 */
public final class SchemaRegistryClient implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final Duration timeout;
    private final int attempts;
    private final Duration firstBackoff;
    private transient Map<Integer, Schema> cache;
    private transient HttpClient http;

    /**
     * @param attempts requests per schema before the job fails (backoff doubles from {@code
     *     firstBackoff})
     */
    public SchemaRegistryClient(
            String baseUrl, Duration timeout, int attempts, Duration firstBackoff) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
        this.attempts = attempts;
        this.firstBackoff = firstBackoff;
    }

    /** Ten-second requests, five attempts from 1 s backoff (about half a minute of outage). */
    public static SchemaRegistryClient withDefaults(String baseUrl) {
        return new SchemaRegistryClient(baseUrl, Duration.ofSeconds(10), 5, Duration.ofSeconds(1));
    }

    /** Thrown when the registry does not answer after every attempt: a job failure. */
    public static final class RegistryUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegistryUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Start-up check: the registry answers {@code GET /subjects}.
     *
     * @throws IllegalStateException naming the URL and what went wrong
     */
    public void check() {
        try {
            HttpResponse<String> r = get("/subjects");
            if (r.statusCode() != 200) {
                throw new IllegalStateException(
                        baseUrl + "/subjects answered HTTP " + r.statusCode() + ": " + r.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "no schema registry answers at " + baseUrl + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + baseUrl, e);
        }
    }

    /**
     * The writer schema with this id; an unknown id or a schema that is not Avro is a bad record.
     */
    public Schema schema(int id) throws BadRecordException {
        if (cache == null) {
            cache = new ConcurrentHashMap<>();
        }
        Schema cached = cache.get(id);
        if (cached != null) {
            return cached;
        }
        Schema s = fetch(id);
        cache.put(id, s);
        return s;
    }

    private Schema fetch(int id) throws BadRecordException {
        Exception last = null;
        long backoff = firstBackoff.toMillis();
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                HttpResponse<String> r = get("/schemas/ids/" + id);
                if (r.statusCode() == 404) {
                    throw new BadRecordException(
                            "schema id " + id + " is unknown to the registry at " + baseUrl);
                }
                if (r.statusCode() == 200) {
                    return parse(id, r.body());
                }
                last = new IOException("HTTP " + r.statusCode() + ": " + r.body());
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException("interrupted fetching schema " + id, e);
            }
            if (attempt < attempts) {
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RegistryUnavailableException("interrupted fetching schema " + id, e);
                }
                backoff *= 2;
            }
        }
        throw new RegistryUnavailableException(
                "the schema registry at "
                        + baseUrl
                        + " did not give schema "
                        + id
                        + " in "
                        + attempts
                        + " attempts: "
                        + last,
                last);
    }

    private static Schema parse(int id, String body) throws BadRecordException {
        try {
            JsonNode n = JSON.readTree(body);
            String type = n.path("schemaType").asText("AVRO");
            if (!type.equals("AVRO")) {
                throw new BadRecordException("schema id " + id + " is " + type + ", not Avro");
            }
            return new Schema.Parser().parse(n.path("schema").asText());
        } catch (IOException | org.apache.avro.SchemaParseException e) {
            throw new BadRecordException(
                    "schema id " + id + " from the registry does not parse: " + e.getMessage());
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(timeout).build();
        }
        HttpRequest req =
                HttpRequest.newBuilder(URI.create(baseUrl + path))
                        .timeout(timeout)
                        .header(
                                "Accept",
                                "application/vnd.schemaregistry.v1+json, application/json")
                        .GET()
                        .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    public String baseUrl() {
        return baseUrl;
    }
}
