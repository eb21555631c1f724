terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  # checkov:skip=CKV2_AWS_11: fixture VPC, no flow logs (inline-skip example for a graph check)
  # checkov:skip=CKV2_AWS_12: fixture VPC, default security group untouched
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = true
}
