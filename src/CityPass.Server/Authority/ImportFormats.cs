namespace CityPass.Server.Authority;

/// <summary>
/// Which import format a request or a file is: the API goes by the Content-Type, the console's
/// no-script form by the file's name (browsers label .csv differently: Excel's type on Windows).
/// </summary>
public static class ImportFormats
{
    public const string Csv = "csv";
    public const string Ndjson = "ndjson";

    /// <summary>What the refusal (415 unsupported_media_type) says, in the API and the console alike.</summary>
    public const string Expected = "Send text/csv or application/x-ndjson: a .csv or .ndjson file.";

    public static string? FromContentType(string? contentType) =>
        contentType?.Split(';')[0].Trim().ToLowerInvariant() switch
        {
            "text/csv" => Csv,
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" => Ndjson,
            _ => null,
        };

    public static string? FromFileName(string? fileName) =>
        Path.GetExtension(fileName ?? "").ToLowerInvariant() switch
        {
            ".csv" => Csv,
            ".ndjson" or ".jsonl" => Ndjson,
            _ => null,
        };
}
