// HttpsCertificateAnnotation is what Aspire's own WithoutHttpsCertificate adds; it is marked experimental in 13.x.
#pragma warning disable ASPIRECERTIFICATES001

namespace SmartHome.AppHost;

/// <summary>
/// The lab's services serve plain HTTP on loopback only (their endpoints are http, and ControlAccess refuses remote
/// clients), so none of them needs the ASP.NET Core development certificate. Aspire gives every project resource an HTTPS
/// certificate callback by default, and while any resource has one, DCP looks for a trusted development certificate and
/// the dashboard shows a "No trusted development certificate" banner on a machine that never ran
/// <c>dotnet dev-certs https --trust</c>. Opting every project out with Aspire's own <c>WithoutHttpsCertificate</c>
/// removes the need, and with it the banner, without touching the user's trust store.
/// </summary>
public static class PlainHttpServices
{
    /// <summary>
    /// Applies to every project resource in the model when the app starts, including those added after this call.
    /// A resource that asks for a certificate explicitly (an HttpsCertificateAnnotation of its own) keeps it.
    /// </summary>
    public static IDistributedApplicationBuilder ServeProjectsOverPlainHttp(this IDistributedApplicationBuilder builder)
    {
        builder.Eventing.Subscribe<BeforeStartEvent>((evt, cancellationToken) =>
        {
            foreach (var project in evt.Model.Resources.OfType<ProjectResource>())
            {
                if (!project.TryGetLastAnnotation<HttpsCertificateAnnotation>(out _))
                {
                    project.Annotations.Add(new HttpsCertificateAnnotation { Certificate = null, UseDeveloperCertificate = false });
                }
            }

            return Task.CompletedTask;
        });
        return builder;
    }
}
