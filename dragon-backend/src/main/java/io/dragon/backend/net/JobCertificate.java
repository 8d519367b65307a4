package io.dragon.backend.net;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A job's self-signed certificate (CN=dragon-job, a random serial) and its EC P-256 key, in PEM, made in memory and
 * never written to a file. A class apart from {@link LinkSecurity} so that Bouncy Castle (a signed jar, which takes
 * a few hundred ms to open) loads only where TLS is asked for.
 */
record JobCertificate(byte[] certificate, byte[] key) {
    /** Longer than any job runs: the certificate and its key live only as long as their job. */
    private static final Duration VALIDITY = Duration.ofDays(365);

    static JobCertificate make() {
        try {
            SecureRandom random = new SecureRandom();
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair pair = generator.generateKeyPair();
            X500Name job = new X500Name("CN=dragon-job");
            Instant now = Instant.now();
            byte[] certificate = new JcaX509v3CertificateBuilder(job, new BigInteger(128, random),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), job, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())).getEncoded();
            return new JobCertificate(pem("CERTIFICATE", certificate), pem("PRIVATE KEY",
                pair.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make the job's TLS certificate: " + e.getMessage(), e);
        }
    }

    /** {@code der} in PEM, as Netty reads it. */
    private static byte[] pem(String type, byte[] der) {
        return ("-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }
}
