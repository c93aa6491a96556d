namespace CityPass.Core.Gates;

/// <summary>Why a gate did not take a bundle. Stable codes, as the gate SDK reports them.</summary>
public enum GateBundleFailure
{
    None = 0,
    /// <summary>Larger than <see cref="GateBundle.MaxBundleBytes"/>; not read.</summary>
    TooLarge,
    /// <summary>Not a flattened JWS of a gate bundle.</summary>
    Malformed,
    /// <summary>The header's <c>alg</c> is not the suite of the city's key the gate pinned at enrolment.</summary>
    AlgorithmMismatch,
    /// <summary>The signature does not verify under the city's key the gate pinned.</summary>
    SignatureInvalid,
    /// <summary>Signed by the city, but for another city's issuer code or another gate.</summary>
    NotForThisGate,
}

public static class GateBundleFailureExtensions
{
    public static string ToCode(this GateBundleFailure failure) => failure switch
    {
        GateBundleFailure.None => "ok",
        GateBundleFailure.TooLarge => "bundle_too_large",
        GateBundleFailure.Malformed => "bundle_malformed",
        GateBundleFailure.AlgorithmMismatch => "bundle_algorithm_mismatch",
        GateBundleFailure.SignatureInvalid => "bundle_signature_invalid",
        GateBundleFailure.NotForThisGate => "bundle_not_for_this_gate",
    };
}
