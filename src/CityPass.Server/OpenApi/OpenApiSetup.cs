namespace CityPass.Server.OpenApi;

/// <summary>
/// The served OpenAPI document (/openapi/v1.json) as a contract a vendor can generate a client from:
/// security, error responses and operation ids are derived from each endpoint's metadata, so the
/// document stays generated from the routes (docs/api.md, "The contract").
/// </summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddCityPassOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<ContractDocumentTransformer>();
            o.AddOperationTransformer<OperationIdTransformer>();
            o.AddOperationTransformer<SecurityTransformer>();
            o.AddOperationTransformer<ProblemResponsesTransformer>();
        });
}
