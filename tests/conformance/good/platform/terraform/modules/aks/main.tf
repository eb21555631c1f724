terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "subnet_id" {
  type = string
}

variable "log_analytics_workspace_id" {
  type = string
}

variable "disk_encryption_set_id" {
  type = string
}

# Every checkov 3.3.30 AKS policy satisfied by configuration (azurerm 4.x argument names),
# except CKV_AZURE_168 (max_pods >= 50), suppressed inline as an example of the syntax.
resource "azurerm_kubernetes_cluster" "main" {
  #checkov:skip=CKV_AZURE_168:the spec sets max-pods 30 (inline-skip example, terraform)
  name                              = "aks-${var.name}"
  location                          = var.location
  resource_group_name               = var.resource_group_name
  dns_prefix                        = var.name
  sku_tier                          = "Standard"
  automatic_upgrade_channel         = "stable"
  local_account_disabled            = true
  azure_policy_enabled              = true
  private_cluster_enabled           = true
  oidc_issuer_enabled               = true
  workload_identity_enabled         = true
  role_based_access_control_enabled = true
  disk_encryption_set_id            = var.disk_encryption_set_id

  default_node_pool {
    name                         = "system"
    vm_size                      = "Standard_D4s_v3"
    node_count                   = 1
    max_pods                     = 30
    os_disk_type                 = "Ephemeral"
    host_encryption_enabled      = true
    only_critical_addons_enabled = true
    vnet_subnet_id               = var.subnet_id
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }

  api_server_access_profile {
    authorized_ip_ranges = ["10.0.0.0/16"]
  }

  key_vault_secrets_provider {
    secret_rotation_enabled = true
  }

  oms_agent {
    log_analytics_workspace_id = var.log_analytics_workspace_id
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "calico"
  }
}

output "oidc_issuer_url" {
  value = azurerm_kubernetes_cluster.main.oidc_issuer_url
}
