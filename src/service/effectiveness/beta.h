// The Beta distribution, for effectiveness intervals: with s successes and f failures (real
// numbers) the posterior under a uniform prior is Beta(s + 1, f + 1).
#pragma once

namespace exemplar::service {

// Regularised incomplete beta I_x(a, b), a, b > 0, x in [0, 1].
double RegularizedIncompleteBeta(double x, double a, double b);

// The p-quantile of Beta(a, b) (bisection on I_x; accurate to ~1e-10).
double BetaQuantile(double p, double a, double b);

}  // namespace exemplar::service
