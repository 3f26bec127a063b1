// Polynomial coefficients shared by the SIMD activation kernels (AVX2, NEON): Cephes' float32
// erff / erfcf fits (S. Moshier) used for the normal CDF in gelu, and gelu's tanh-form constants.
// constexpr data only: safe to include in ISA files (no dynamic initialisers).
#pragma once

namespace gradguard {
namespace kernels {
namespace cephes {

// erf(z) = z * T(z^2) for |z| < 1.
constexpr float kErfT[7] = {7.853861353153693e-5f,  -8.010193625184903e-4f, 5.188327685732524e-3f,
                            -2.685381193529856e-2f, 1.128358514861418e-1f,  -3.761262582423300e-1f,
                            1.128379165726710e+0f};
// erfc(z) = e^(-z^2) / z * P(1/z^2) for 1 <= z < 2.
constexpr float kErfcP[9] = {2.326819970068386e-2f,  -1.387039388740657e-1f, 3.687424674597105e-1f,
                             -5.824733027278666e-1f, 6.210004621745983e-1f,  -4.944515323274145e-1f,
                             3.404879937665872e-1f,  -2.741127028184656e-1f, 5.638259427386472e-1f};
// erfc(z) = e^(-z^2) / z * R(1/z^2) for z >= 2.
constexpr float kErfcR[8] = {-1.047766399936249e1f,  1.297719955372516e1f,  -7.495518717768503e0f,
                             2.921019019210786e0f,   -1.015265279202700e0f, 4.218463358204948e-1f,
                             -2.820767439740514e-1f, 5.641895067754075e-1f};

// gelu, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
constexpr float kSqrt2OverPi = 0.797884560802865f;
constexpr float kGeluC = 0.044715f;

}  // namespace cephes
}  // namespace kernels
}  // namespace gradguard
