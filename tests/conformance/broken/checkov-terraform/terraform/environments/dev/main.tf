# valid azurerm, but checkov fails it (no upgrade channel, local accounts, public API server, ...)
resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks-demo-dev"
  location            = "westeurope"
  resource_group_name = "rg-demo-dev"
  dns_prefix          = "demo-dev"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D2s_v3"
    node_count = 1
  }

  identity {
    type = "SystemAssigned"
  }
}
