package io.dragon.backend.net;

import io.dragon.core.infrastructure.Settings.Variable;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How the links between the runtime's members (the fan-out tree, the transport agents) are protected. The job has a
 * secret, a random 256-bit value the frontend makes and hands to the backends in their environment (never on a
 * command line, never to a user process: see {@link #removeFrom}). It never travels: every link starts with a
 * {@link LinkHandshake} in which both ends prove that they hold it, and nothing else passes before. With TLS
 * ({@code dragon --tls}) every link is also mutual TLS with the job's own certificate, made in memory and never
 * written to a file, so that nothing travels in the clear.
 */
public final class LinkSecurity {
    static final String SECRET_VARIABLE = Variable.DRAGON_TREE_SECRET.name();
    static final String CERTIFICATE_VARIABLE = Variable.DRAGON_TLS_CERTIFICATE.name();
    static final String KEY_VARIABLE = Variable.DRAGON_TLS_KEY.name();
    /** Every variable of {@link #environment()}. */
    private static final List<String> VARIABLES = List.of(SECRET_VARIABLE, CERTIFICATE_VARIABLE, KEY_VARIABLE);

    /** {@link #key} of the links' handshake. */
    static final String LINK_PURPOSE = "link";

    private final byte[] secret;
    private final byte[] certificate;
    private final byte[] key;
    private final SslContext server;
    private final SslContext client;

    private LinkSecurity(byte[] secret, byte[] certificate, byte[] key) {
        this.secret = secret;
        this.certificate = certificate;
        this.key = key;
        if (certificate == null) {
            server = null;
            client = null;
            return;
        }
        try {
            server = SslContextBuilder.forServer(in(certificate), in(key)).trustManager(in(certificate))
                .clientAuth(ClientAuth.REQUIRE).build();
            // The peer is known by the job's own certificate, pinned as the only one trusted, not by a hostname.
            client = SslContextBuilder.forClient().keyManager(in(certificate), in(key)).trustManager(in(certificate))
                .endpointIdentificationAlgorithm(null).build();
        } catch (IOException e) {
            throw new IllegalArgumentException("the job's TLS certificate or key is unusable: " + e.getMessage(), e);
        }
    }

    /** A link secured by {@code secret} alone (tests, and the build's training run). */
    public static LinkSecurity plain(String secret) {
        return new LinkSecurity(secret.getBytes(StandardCharsets.UTF_8), null, null);
    }

    /**
     * A new job's: a fresh secret and, with {@code tls}, a fresh self-signed certificate (CN=dragon-job) and its EC
     * P-256 key, made in memory.
     */
    public static LinkSecurity create(boolean tls) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random); // generateSeed could block on /dev/random on older kernels
        byte[] secret = HexFormat.of().formatHex(random).getBytes(StandardCharsets.UTF_8);
        if (!tls) {
            return new LinkSecurity(secret, null, null);
        }
        JobCertificate made = JobCertificate.make();
        return new LinkSecurity(secret, made.certificate(), made.key());
    }

    /**
     * What the frontend put in a backend's environment.
     *
     * @throws IllegalStateException if the secret, or one of the certificate and key, is not there (the process was
     *     not started by a frontend)
     */
    public static LinkSecurity fromEnvironment(Map<String, String> env) {
        String secret = env.get(SECRET_VARIABLE);
        if (secret == null || secret.isEmpty()) {
            throw new IllegalStateException(SECRET_VARIABLE + " is not set: a backend is started by the dragon"
                + " launcher's srun");
        }
        String certificate = env.get(CERTIFICATE_VARIABLE);
        String key = env.get(KEY_VARIABLE);
        if ((certificate == null) != (key == null)) {
            throw new IllegalStateException("of " + CERTIFICATE_VARIABLE + " and " + KEY_VARIABLE + ", only one is set:"
                + " a backend is started by the dragon launcher's srun, which sets both with --tls");
        }
        return new LinkSecurity(secret.getBytes(StandardCharsets.UTF_8), certificate == null ? null
            : Base64.getDecoder().decode(certificate), key == null ? null : Base64.getDecoder().decode(key));
    }

    /** The variables that give a backend this security. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(SECRET_VARIABLE, new String(secret, StandardCharsets.UTF_8));
        if (certificate != null) {
            env.put(CERTIFICATE_VARIABLE, Base64.getEncoder().encodeToString(certificate));
            env.put(KEY_VARIABLE, Base64.getEncoder().encodeToString(key));
        }
        return env;
    }

    /**
     * Takes the variables of {@link #environment()} out of {@code env}, the environment of a process about to be
     * started: only a backend may have them, and a user program that prints its environment would put them in the
     * job's output.
     */
    public static void removeFrom(Map<String, String> env) {
        env.keySet().removeAll(VARIABLES);
    }

    /**
     * A key for one use of the job's secret, so that no mechanism ever puts the secret itself in a message:
     * HMAC-SHA256 keyed by the secret over {@code "dragon " + purpose} (UTF-8). Different purposes give unrelated
     * keys.
     */
    public byte[] key(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(("dragon " + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    public boolean tls() {
        return certificate != null;
    }

    /**
     * Sets up the pipeline of each link this member opens for {@code purpose}: TLS first, if it is on, then the
     * {@link LinkHandshake}, then {@code handlers}' handlers, made for that link. The handlers see nothing from the
     * peer, and send nothing to it, until it has proven that it holds the job's secret.
     */
    public ChannelInitializer<Channel> opened(LinkHandshake.Purpose purpose, Supplier<ChannelHandler[]> handlers) {
        byte[] linkKey = key(LINK_PURPOSE);
        return pipeline(client, () -> LinkHandshake.opener(linkKey, purpose), handlers, null);
    }

    /**
     * Sets up the pipeline of each link one listener accepts for {@code purpose}, as {@link #opened} does; the
     * listener keeps at most {@link LinkHandshake#MAX_PENDING} links in their handshake at once.
     */
    public ChannelInitializer<Channel> accepted(LinkHandshake.Purpose purpose, Supplier<ChannelHandler[]> handlers) {
        return accepted(purpose, handlers, null);
    }

    /**
     * As {@link #accepted(LinkHandshake.Purpose, Supplier)}, with {@code handlers}' handlers on {@code executor}
     * (the link's own event loop if null): a listener whose links are served by many threads (TLS and the handshake
     * in parallel) while its state stays on one.
     */
    public ChannelInitializer<Channel> accepted(LinkHandshake.Purpose purpose, Supplier<ChannelHandler[]> handlers,
                                                EventExecutorGroup executor) {
        byte[] linkKey = key(LINK_PURPOSE);
        LinkHandshake.Listener listener = new LinkHandshake.Listener();
        return pipeline(server, () -> LinkHandshake.acceptor(linkKey, purpose, listener), handlers, executor);
    }

    private static ChannelInitializer<Channel> pipeline(SslContext tls, Supplier<LinkHandshake> handshake,
                                                        Supplier<ChannelHandler[]> handlers,
                                                        EventExecutorGroup executor) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel link) {
                if (tls != null) {
                    link.pipeline().addLast(tls.newHandler(link.alloc()));
                }
                link.pipeline().addLast(handshake.get()).addLast(executor, handlers.get());
            }
        };
    }

    private static InputStream in(byte[] pem) {
        return new ByteArrayInputStream(pem);
    }
}
