namespace CityPass.Core.Federation;

/// <summary>Why a city's signed key-set document was not accepted. Stable codes, as the console and the API show them.</summary>
public enum KeySetDocumentFailure
{
    None = 0,
    /// <summary>Larger than <see cref="SignedKeySet.MaxDocumentBytes"/>; not read.</summary>
    TooLarge,
    /// <summary>Not a flattened JWS of a key-set payload: bad JSON, base64url, header, or a field missing.</summary>
    Malformed,
    /// <summary>The header's <c>alg</c> is not the suite of the pinned federation key.</summary>
    AlgorithmMismatch,
    /// <summary>The signature does not verify under the pinned federation key.</summary>
    SignatureInvalid,
    /// <summary>Signed, but for another issuer than the one trusted under this key.</summary>
    IssuerMismatch,
    /// <summary>Issued before (or at the same time as) the document already held: a replay of an old one.</summary>
    NotNewer,
    /// <summary>Past its own expiry.</summary>
    Expired,
}

public static class KeySetDocumentFailureExtensions
{
    public static string ToCode(this KeySetDocumentFailure failure) => failure switch
    {
        KeySetDocumentFailure.None => "ok",
        KeySetDocumentFailure.TooLarge => "document_too_large",
        KeySetDocumentFailure.Malformed => "document_malformed",
        KeySetDocumentFailure.AlgorithmMismatch => "document_algorithm_mismatch",
        KeySetDocumentFailure.SignatureInvalid => "document_signature_invalid",
        KeySetDocumentFailure.IssuerMismatch => "document_issuer_mismatch",
        KeySetDocumentFailure.NotNewer => "document_not_newer",
        KeySetDocumentFailure.Expired => "document_expired",
    };
}
