// Reference scaled dot-product attention (attention.h): per query row, every score in float64
// (masked ones -inf without reading q·k), max-subtracted exp, float64 sums; the backward recomputes
// P = e^(s - lse) row by row with D = rowsum(gradOut ⊙ out). PyTorch 1.13 semantics, NaN rule
// included. Compiled with -ffp-contract=off.
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/attention/attention.h"

namespace gradguard {
namespace kernels {
namespace scalar {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

void scores_row(const AttentionShape& a, const float* q, const float* k, size_t i, double* s) {
  for (size_t j = 0; j < a.lk; ++j) {
    const double mv = a.mask ? a.mask[i * a.lk + j] : 0.0;
    if ((a.causal && j > i) || mv == kNegInf) {
      s[j] = kNegInf;
      continue;
    }
    double dot = 0;
    for (size_t c = 0; c < a.d; ++c) dot += static_cast<double>(q[c]) * k[j * a.d + c];
    s[j] = dot * a.scale + mv;
  }
}

}  // namespace

void attention_forward_ref__scalar(const AttentionShape& a, const float* q, const float* k,
                                   const float* v, float* out, float* lse) {
  std::vector<double> s(a.lk), acc(a.dv);
  for (size_t bh = 0; bh < a.batch * a.heads; ++bh) {
    const float* kb = k + bh * a.lk * a.d;
    const float* vb = v + bh * a.lk * a.dv;
    for (size_t i = 0; i < a.lq; ++i) {
      const size_t row = bh * a.lq + i;
      scores_row(a, q + row * a.d, kb, i, s.data());
      double m = kNegInf;
      for (size_t j = 0; j < a.lk; ++j) m = s[j] > m ? s[j] : m;
      float* o = out + row * a.dv;
      if (m == kNegInf) {
        for (size_t c = 0; c < a.dv; ++c) o[c] = a.lk == 0 ? 0.0f : NAN;
        lse[row] = a.lk == 0 ? -INFINITY : NAN;
        continue;
      }
      for (size_t c = 0; c < a.dv; ++c) acc[c] = 0;
      double l = 0;
      for (size_t j = 0; j < a.lk; ++j) {
        if (s[j] == kNegInf) continue;
        const double p = std::exp(s[j] - m);
        l += p;
        for (size_t c = 0; c < a.dv; ++c) acc[c] += p * vb[j * a.dv + c];
      }
      for (size_t c = 0; c < a.dv; ++c) o[c] = static_cast<float>(acc[c] / l);
      lse[row] = static_cast<float>(m + std::log(l));
    }
  }
}

void attention_backward_ref__scalar(const AttentionShape& a, const float* q, const float* k,
                                    const float* v, const float* out, const float* lse,
                                    const float* go, float* gq, float* gk, float* gv) {
  std::vector<double> s(a.lk), dq(a.d), dk(a.lk * a.d), dvv(a.lk * a.dv);
  for (size_t bh = 0; bh < a.batch * a.heads; ++bh) {
    const float* kb = k + bh * a.lk * a.d;
    const float* vb = v + bh * a.lk * a.dv;
    for (double& x : dk) x = 0;
    for (double& x : dvv) x = 0;
    bool nan_row = false;
    for (size_t i = 0; i < a.lq; ++i) {
      const size_t row = bh * a.lq + i;
      const float* qi = q + row * a.d;
      const float* oi = out + row * a.dv;
      const float* gi = go + row * a.dv;
      const double L = lse[row];
      if (std::isnan(L)) {
        nan_row = true;
        if (gq) {
          for (size_t c = 0; c < a.d; ++c) gq[row * a.d + c] = NAN;
        }
        continue;
      }
      scores_row(a, qi, kb, i, s.data());
      double D = 0;
      for (size_t c = 0; c < a.dv; ++c) D += static_cast<double>(gi[c]) * oi[c];
      for (double& x : dq) x = 0;
      for (size_t j = 0; j < a.lk; ++j) {
        if (s[j] == kNegInf) continue;
        const double p = std::exp(s[j] - L);
        double dp = 0;
        for (size_t c = 0; c < a.dv; ++c) {
          dp += static_cast<double>(gi[c]) * vb[j * a.dv + c];
          dvv[j * a.dv + c] += p * gi[c];
        }
        const double ds = p * (dp - D) * a.scale;
        for (size_t c = 0; c < a.d; ++c) {
          dq[c] += ds * kb[j * a.d + c];
          dk[j * a.d + c] += ds * qi[c];
        }
      }
      if (gq) {
        for (size_t c = 0; c < a.d; ++c) gq[row * a.d + c] = static_cast<float>(dq[c]);
      }
    }
    if (gk) {
      for (size_t t = 0; t < a.lk * a.d; ++t)
        gk[bh * a.lk * a.d + t] = nan_row ? NAN : static_cast<float>(dk[t]);
    }
    if (gv) {
      for (size_t t = 0; t < a.lk * a.dv; ++t)
        gv[bh * a.lk * a.dv + t] = nan_row ? NAN : static_cast<float>(dvv[t]);
    }
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
