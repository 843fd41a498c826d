namespace Aspire.Hosting.ApplicationModel;

/// <summary>The broker's TLS files: the CA clients trust, and the server's certificate and private key.</summary>
public sealed record BrokerTlsFiles(string CaFile, string CertFile, string KeyFile);
