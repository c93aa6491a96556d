namespace CityPass.Server.Federation;

/// <summary>Codes of a refresh that are not about the document itself (those are <see cref="Core.Federation.KeySetDocumentFailure"/>'s).</summary>
public static class FederationCodes
{
    /// <summary>The document URL did not answer 200 within the fetch timeout.</summary>
    public const string DocumentUnreachable = "document_unreachable";

    /// <summary>This city has no federation key, so it publishes no signed document.</summary>
    public const string NotPublished = "federation_not_configured";
}
