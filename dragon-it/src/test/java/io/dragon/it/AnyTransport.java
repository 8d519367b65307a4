package io.dragon.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a Slurm test whose subject does not depend on the transport between the nodes (launching, teardown, logs,
 * exit codes, what the user API does once its messages arrive): it runs over TCP only, and the libfabric variants
 * ({@link OverLibfabric}) skip it, so that CI spends their time on what the fabric carries.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@interface AnyTransport {
}
