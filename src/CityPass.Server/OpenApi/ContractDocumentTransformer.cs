using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CityPass.Server.OpenApi;

/// <summary>The document-wide parts: what the API is, its tags, its credentials and the shared problem shape.</summary>
internal sealed class ContractDocumentTransformer : IOpenApiDocumentTransformer
{
    /// <summary>Every tag a route uses; a tag missing here fails the lint test (tag-description).</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Public"] = "Anyone, no credential: venues' occupancy (no personal data), this city's public keys and federation documents, liveness.",
        ["Gates"] = "Turnstiles and door terminals with their device credential (Gate scheme): scans, the offline bundle, offline journals.",
        ["Citizen sign-in"] = "A citizen signs in with phone + one-time code and gets a bearer token.",
        ["Citizen"] = "The signed-in citizen (bearer token, citizen audience): the live pass, own scans, status history, appeals.",
        ["Venues"] = "Staff (bearer token): venues, entry policies, gates and their credentials, occupancy, scan logs, bookings. A venue operator sees only its venues (others answer 404).",
        ["Staff sign-in"] = "Staff sign in with username + password and get a bearer token.",
        ["City admin"] = "City admins: staff accounts and roles.",
        ["Health authority"] = "Health authority and city admins: citizens' statuses, cases, four-eyes drafts, appeals, contact tracing, imports, the audit log.",
        ["Federation"] = "City admins: the other cities whose passes are accepted, their pinned keys and signed key-set documents.",
        ["Keys"] = "City admins: this city's issuer keys (signing keys and secrets): create, activate, retire, revoke, each audited.",
        ["Estates"] = "A housing estate's operator (or a city admin; the authority reads): residents per unit pushed in bulk, and the visitor trail; another venue answers 404.",
        ["Identify"] = "A venue that identifies its visitors (library, hospital): its disclosure log, member ids and claims shared, never citizens' ids; its operators and city admins only.",
        ["Identity consents"] = "A citizen on the H5 page (bearer token): which venue kinds may identify them and with what claims; what was shared, when, with whom.",
        ["Estate visits"] = "A citizen on the H5 page (bearer token): register a visit to a unit of an estate, and as a resident of a unit approve or decline visits to it.",
        ["City dashboard"] = "City admins and the health authority (bearer token): the operations centre's one screen, read from stored per-minute roll-ups and live counters; a venue operator answers 403.",
        ["Ticketing"] = "A venue's ticketing system, signed in as a venue operator of that venue or a city admin (bearer token): bookings pushed in bulk, each with its seat and window; another venue answers 404.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "CityPass API";
        document.Info.Description =
            "The city pass API: citizens' live passes, gates' scan decisions, venues, statuses and cases, federation. " +
            "Every error is an RFC 9457 problem (application/problem+json) with a stable machine `code`: branch on the code, never on the title.";

        // The host writes the request's base URL with a trailing slash; paths start with one.
        foreach (var server in document.Servers ?? [])
        {
            if (server.Url is { Length: > 1 } url) server.Url = url.TrimEnd('/');
        }

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description)) tag.Description = description;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SecuritySchemes.Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A sign-in token: POST /v1/auth/token (staff, 8 hours) or POST /v1/citizens/session (citizens, 7 days). " +
                          "`Authorization: Bearer <token>`; a citizen's token is refused on staff routes and the other way round.",
        };
        document.Components.SecuritySchemes[SecuritySchemes.Gate] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = SecuritySchemes.Gate,
            Description = "A gate's device credential `cpg_<gate id>_<secret>`, issued once per gate (POST /v1/gates/{id}/credentials): " +
                          "`Authorization: Gate <credential>`.",
        };

        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemResponsesTransformer.SchemaId] = ProblemResponsesTransformer.Schema();
        return Task.CompletedTask;
    }
}
